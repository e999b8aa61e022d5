import { z } from 'zod';
import { objectIdSchema } from '../../schemas/ids.js';
import { searchKeysSchema } from '../../search/search-keys.js';
import {
  DEFAULT_REPLY_TIMEOUT_MS,
  MAX_REPLY_TIMEOUT_MS,
  MIN_REPLY_TIMEOUT_MS,
  WEBHOOK_RESPOND_MODES,
} from '../../webhook/reply.js';
import { cronExpressionSchema, timeZoneSchema } from '../cron.js';
import { success } from '../results.js';
import type { NodeDefinition } from '../types.js';

const NO_RETRY = { maxAttempts: 1, initialDelayMs: 0, maxDelayMs: 0 } as const;
const OUT = [{ id: 'out', label: 'Output' }] as const;

/** Triggers output what started the run; the run's input is the single source of truth. */
const emitTrigger: NodeDefinition['execute'] = async (ctx) => success(ctx.scope.trigger);

const webhookConfig = z
  .object({
    appId: objectIdSchema.describe('The app whose verified webhooks start this scenario'),
    filter: z
      .string()
      .max(2_000)
      .optional()
      .describe('JSONata over the delivery ({ body, headers }); the scenario runs only when it is truthy'),
    searchKeys: searchKeysSchema
      .optional()
      .describe(
        "At most 10 named JSONata expressions over the delivery ({ body, headers }), e.g. customer: body.data.object.customer; their values are stored with this scenario's runs (besides the app's search keys) and the runs are searchable by them",
      ),
    respond: z
      .enum(WEBHOOK_RESPOND_MODES, {
        error:
          'respond must be "accepted" (answer 202 at once) or "node" (answer with a webhook.respond node)',
      })
      .default('accepted')
      .describe(
        'accepted: answer 202 { deliveryId, runIds } at once; node: hold the request until the run reaches a webhook.respond node (202 after the timeout)',
      ),
    respondTimeoutMs: z
      .int({ error: 'respondTimeoutMs must be a whole number of milliseconds' })
      .min(MIN_REPLY_TIMEOUT_MS, { error: `respondTimeoutMs must be at least ${MIN_REPLY_TIMEOUT_MS}` })
      .max(MAX_REPLY_TIMEOUT_MS, { error: `respondTimeoutMs must be at most ${MAX_REPLY_TIMEOUT_MS} (25 s)` })
      .default(DEFAULT_REPLY_TIMEOUT_MS)
      .describe('respond: node only: how long the request waits for the reply before it is answered 202'),
  })
  .strict();

export const webhookTrigger: NodeDefinition<typeof webhookConfig> = {
  type: 'trigger.webhook',
  version: 1,
  title: 'Webhook',
  description:
    'Starts the scenario when the app receives a verified webhook. Outputs { body, headers, deliveryId, receivedAt }. With respond: "node" the caller gets the answer of a webhook.respond node.',
  category: 'trigger',
  effects: false,
  configSchema: webhookConfig,
  exampleConfig: { appId: '000000000000000000000000', filter: 'body.type = "order.created"' },
  inputs: [],
  outputs: OUT,
  migrations: {},
  references: [{ field: 'appId', kind: 'app' }],
  retry: NO_RETRY,
  rawExpressionFields: ['filter', 'searchKeys[].expression'],
  execute: emitTrigger,
};

const manualConfig = z
  .object({
    sampleInput: z.unknown().optional().describe('A sample input to preview the scenario with'),
  })
  .strict();

export const manualTrigger: NodeDefinition<typeof manualConfig> = {
  type: 'trigger.manual',
  version: 1,
  title: 'Manual',
  description: 'Starts the scenario from the API or the editor with a JSON input.',
  category: 'trigger',
  effects: false,
  configSchema: manualConfig,
  exampleConfig: { sampleInput: { hello: 'world' } },
  inputs: [],
  outputs: OUT,
  migrations: {},
  references: [],
  retry: NO_RETRY,
  execute: emitTrigger,
};

const scheduleConfig = z
  .object({
    cron: cronExpressionSchema.describe('Five fields: minute hour day-of-month month day-of-week'),
    timezone: timeZoneSchema.default('UTC').describe('IANA time zone the cron is read in'),
  })
  .strict();

export const scheduleTrigger: NodeDefinition<typeof scheduleConfig> = {
  type: 'trigger.schedule',
  version: 1,
  title: 'Schedule',
  description: 'Starts the scenario on a cron schedule. Outputs { firedAt, scheduledFor }.',
  category: 'trigger',
  effects: false,
  configSchema: scheduleConfig,
  exampleConfig: { cron: '*/15 * * * *', timezone: 'Europe/Berlin' },
  inputs: [],
  outputs: OUT,
  migrations: {},
  references: [],
  retry: NO_RETRY,
  execute: emitTrigger,
};
