import { z } from 'zod';
import { RESERVED_REPLY_HEADERS, type WebhookReply } from '../../webhook/reply.js';
import { success } from '../results.js';
import type { NodeDefinition } from '../types.js';

// RFC 9110 "token": the characters allowed in a header field name.
const headerNamePattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const headersSchema = z
  .record(
    z
      .string()
      .regex(headerNamePattern, {
        error: 'headers: each name must be an HTTP header name (no spaces or colons)',
      })
      .max(100, { error: 'headers: each name must be at most 100 characters' }),
    z
      .string({ error: 'headers: each value must be a string' })
      .max(4_000, { error: 'headers: each value must be at most 4000 characters' })
      // A line break or control character in a value would let it forge headers: refused.
      .regex(/^[\t\x20-\x7e\x80-\xff]*$/, {
        error: 'headers: each value must be one line of Latin-1 text (no line breaks or control characters)',
      }),
  )
  .superRefine((headers, ctx) => {
    for (const name of Object.keys(headers)) {
      if (RESERVED_REPLY_HEADERS.has(name.toLowerCase())) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `headers: "${name}" is set by the server and cannot be part of a reply`,
        });
      }
    }
  });

const config = z
  .object({
    status: z
      .int({ error: 'status must be a whole number from 200 to 599' })
      .min(200, { error: 'status must be a whole number from 200 to 599' })
      .max(599, { error: 'status must be a whole number from 200 to 599' })
      .default(200)
      .describe('HTTP status of the answer; may be an expression'),
    headers: headersSchema.default({}).describe('Headers of the answer; values may use {{ }} expressions'),
    body: z
      .unknown()
      .optional()
      .describe('The answer: text is sent as text/plain, anything else as JSON; may use {{ }} expressions'),
  })
  .strict();

export const webhookRespond: NodeDefinition<typeof config> = {
  type: 'webhook.respond',
  version: 1,
  title: 'Reply to webhook',
  description:
    'Answers the request that started the run (webhook trigger with respond: "node"): status, headers and body. Outputs the reply; the run goes on.',
  category: 'flow',
  // The reply leaves the run (the api answers the caller with it): stored at once.
  effects: true,
  configSchema: config,
  exampleConfig: { status: 201, headers: {}, body: { id: '{{ nodes.create.body.id }}' } },
  inputs: [{ id: 'in', label: 'Input' }],
  outputs: [{ id: 'out', label: 'Reply' }],
  migrations: {},
  references: [],
  retry: { maxAttempts: 1, initialDelayMs: 0, maxDelayMs: 0 },
  // The reply travels as this step's output: the api holding the request reads it from the run.
  async execute(ctx, _input, cfg) {
    const reply: WebhookReply =
      cfg.body === undefined
        ? { status: cfg.status, headers: cfg.headers }
        : { status: cfg.status, headers: cfg.headers, body: cfg.body };
    ctx.log('info', `answers the webhook's caller with ${cfg.status}`);
    return success(reply);
  },
};
