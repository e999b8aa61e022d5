import { z } from 'zod';
import { objectIdSchema } from '../../schemas/ids.js';
import { fatal } from '../results.js';
import { stepKeyOf } from '../types.js';
import type { NodeDefinition } from '../types.js';
import { performHttp } from './http-request.js';

const config = z
  .object({
    url: z.url({ protocol: /^https?$/, error: 'url must be an absolute http(s) URL' }),
    connectionId: objectIdSchema.describe('Connection holding the signing secret (whsec_…)'),
    secretKey: z.string().min(1).default('signingSecret').describe('Which secret of the connection signs'),
    eventType: z.string().min(1, 'eventType is required').max(200),
    payload: z.unknown().describe('The event data; may use {{ }} expressions'),
    timeoutMs: z.number().int().min(100).max(120_000).default(15_000),
  })
  .strict();

export const webhookSend: NodeDefinition<typeof config> = {
  type: 'webhook.send',
  version: 1,
  title: 'Send webhook',
  description:
    'Posts a signed event (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature) to a URL. Retries keep the same webhook-id.',
  category: 'action',
  effects: true,
  configSchema: config,
  exampleConfig: {
    url: 'https://partner.example.com/hooks',
    connectionId: '000000000000000000000000',
    eventType: 'order.shipped',
    payload: { orderId: '{{ trigger.body.id }}' },
  },
  inputs: [{ id: 'in', label: 'Input' }],
  outputs: [{ id: 'out', label: 'Response' }],
  migrations: {},
  references: [{ field: 'connectionId', kind: 'connection' }],
  retry: { maxAttempts: 5, initialDelayMs: 2_000, maxDelayMs: 300_000 },
  async execute(ctx, _input, cfg) {
    const secrets = await ctx.secrets(cfg.connectionId);
    const secret = secrets[cfg.secretKey];
    if (secret === undefined) {
      return fatal('secret_missing', `the connection has no secret "${cfg.secretKey}"`, {
        key: cfg.secretKey,
      });
    }
    // One id per run and node (and item, in a loop body): the receiver dedupes retries and resumed runs on it.
    const id = `msg_${stepKeyOf(ctx).replaceAll(':', '_')}`;
    const timestamp = ctx.now();
    const body = JSON.stringify({
      type: cfg.eventType,
      timestamp: timestamp.toISOString(),
      data: cfg.payload ?? null,
    });
    const signature = await ctx.signWebhook({ secret, id, timestamp, body });
    return performHttp(
      ctx,
      {
        method: 'POST',
        url: cfg.url,
        headers: {
          'Content-Type': 'application/json',
          'Idempotency-Key': stepKeyOf(ctx),
          ...signature,
        },
        body,
        timeoutMs: cfg.timeoutMs,
      },
      true,
      { connectionId: cfg.connectionId },
    );
  },
  mock() {
    return { status: 204, headers: {}, body: '' };
  },
};
