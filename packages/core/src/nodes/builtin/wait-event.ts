import { z } from 'zod';
import { evaluateExpression } from '../../expressions/resolve.js';
import { objectIdSchema } from '../../schemas/ids.js';
import { deliveryCorrelationKey } from '../event-key.js';
import { success } from '../results.js';
import { isTruthy } from '../truthy.js';
import type { NodeContext, NodeDefinition } from '../types.js';
import type { WaitCandidate, WaitResolution } from '../waits.js';

const MAX_TIMEOUT_MS = 90 * 24 * 3_600_000;
const MAX_LOOK_BACK_MS = 24 * 3_600_000;

const config = z
  .object({
    appId: objectIdSchema.describe('The app whose verified webhook deliveries are waited for'),
    // A whole-value expression yields an id as it is (often a number): keys compare as text.
    correlationKey: z
      .preprocess(
        (value) => (typeof value === 'number' ? String(value) : value),
        z.string({ error: 'correlationKey is required (a text or a number)' }).min(1, 'correlationKey is empty'),
      )
      .describe(
        'The value a matching delivery carries, computed when the wait starts, e.g. {{ trigger.body.orderId }}',
      ),
    deliveryKey: z
      .string()
      .min(1, 'deliveryKey is required')
      .max(2_000, 'deliveryKey is longer than 2000 characters')
      .describe(
        'JSONata over each delivery ({ body, headers, deliveryId, receivedAt }) giving its correlation value, e.g. body.order.id',
      ),
    match: z
      .string()
      .max(2_000, 'match is longer than 2000 characters')
      .optional()
      .describe(
        'Optional JSONata over { delivery, trigger, nodes, run }: a delivery with the key matches only if this is true',
      ),
    timeoutMs: z
      .number()
      .int('timeoutMs must be a whole number of milliseconds')
      .min(1_000, 'timeoutMs must be at least 1000 (one second)')
      .max(MAX_TIMEOUT_MS, 'timeoutMs must be at most 90 days')
      .default(24 * 3_600_000)
      .describe('How long to wait for the event before going on with timedOut: true'),
    lookBackMs: z
      .number()
      .int('lookBackMs must be a whole number of milliseconds')
      .min(0, 'lookBackMs must not be negative')
      .max(MAX_LOOK_BACK_MS, 'lookBackMs must be at most one day')
      .default(5 * 60_000)
      .describe('A matching delivery received this long before the wait began counts too'),
  })
  .strict();

/** The node's output: the delivery that matched, as a webhook trigger sees it, or a timeout. */
export function eventOutput(resolution: WaitResolution) {
  return { timedOut: resolution.timedOut, event: resolution.timedOut ? null : (resolution.data ?? null) };
}

async function matches(
  ctx: NodeContext,
  cfg: z.output<typeof config>,
  key: string,
  candidate: WaitCandidate,
): Promise<boolean> {
  if ((await deliveryCorrelationKey(cfg.deliveryKey, candidate.event)) !== key) return false;
  if (cfg.match === undefined) return true;
  const scope = { ...ctx.scope, delivery: candidate.event };
  try {
    return isTruthy(await evaluateExpression(cfg.match, scope, { field: 'match' }));
  } catch (error) {
    // One delivery's shape must not fail the run; the log says why it did not count.
    ctx.log(
      'warn',
      `field "match" failed on delivery ${candidate.event.deliveryId}: ${(error as Error).message}`,
    );
    return false;
  }
}

export const waitEvent: NodeDefinition<typeof config> = {
  type: 'wait.event',
  version: 1,
  title: 'Wait for event',
  description:
    "Suspends the run (holding no runner) until a webhook delivery of an app carries this run's correlation key (and passes match), or until the timeout. A delivery received shortly before the wait began counts too. Outputs { timedOut, event }, event being the delivery as a webhook trigger sees it.",
  category: 'flow',
  // A durable wait with a record of its own in the database.
  effects: true,
  configSchema: config,
  exampleConfig: {
    appId: '000000000000000000000000',
    correlationKey: '{{ trigger.body.orderId }}',
    deliveryKey: 'body.orderId',
    match: 'delivery.body.status = "paid"',
    timeoutMs: 86_400_000,
  },
  inputs: [{ id: 'in', label: 'Input' }],
  outputs: [{ id: 'out', label: 'Event' }],
  migrations: {},
  references: [{ field: 'appId', kind: 'app' }],
  retry: { maxAttempts: 3, initialDelayMs: 1_000, maxDelayMs: 30_000 },
  rawExpressionFields: ['deliveryKey', 'match'],
  async execute(ctx, _input, cfg) {
    const key = cfg.correlationKey;
    const expiresAt = new Date(ctx.stepStartedAt.getTime() + cfg.timeoutMs);
    const wait = await ctx.waits.open({
      kind: 'event',
      expiresAt,
      appId: cfg.appId,
      correlationKey: key,
      deliveryKey: cfg.deliveryKey,
      lookBackMs: cfg.lookBackMs,
    });
    const simulated = wait.simulated ? { simulated: true } : {};
    if (wait.resolution) return success({ ...eventOutput(wait.resolution), ...simulated });
    const dismissed: string[] = [];
    for (const candidate of await ctx.waits.candidates(wait.waitId)) {
      if (await matches(ctx, cfg, key, candidate))
        return success({ ...eventOutput(await ctx.waits.accept(wait.waitId, candidate)), ...simulated });
      dismissed.push(candidate.id);
    }
    if (dismissed.length > 0) await ctx.waits.dismiss(wait.waitId, dismissed);
    if (ctx.now().getTime() >= wait.expiresAt.getTime())
      return success({ ...eventOutput(await ctx.waits.timeOut(wait.waitId)), ...simulated });
    return {
      kind: 'wait',
      until: wait.expiresAt.toISOString(),
      reason: `waiting for a delivery with the key "${key}" (until ${wait.expiresAt.toISOString()})`,
      waitFor: { waitId: wait.waitId },
    };
  },
};
