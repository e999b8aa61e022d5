import { z } from 'zod';
import { success } from '../results.js';
import type { WaitResolution } from '../waits.js';
import type { NodeDefinition } from '../types.js';

const MAX_TIMEOUT_MS = 90 * 24 * 3_600_000;

const config = z
  .object({
    message: z
      .string()
      .max(2_000, 'message is longer than 2000 characters')
      .optional()
      .describe(
        'What the approver is asked, shown on the run page and the resume link; may use {{ }} expressions',
      ),
    timeoutMs: z
      .number()
      .int('timeoutMs must be a whole number of milliseconds')
      .min(1_000, 'timeoutMs must be at least 1000 (one second)')
      .max(MAX_TIMEOUT_MS, 'timeoutMs must be at most 90 days')
      .default(7 * 24 * 3_600_000)
      .describe('How long to wait for a decision before going on with timedOut: true'),
  })
  .strict();

/** The node's output: the decision, who made it, what they sent, or a timeout. */
export function approvalOutput(resolution: WaitResolution) {
  return {
    decision: resolution.decision,
    by: resolution.by,
    data: resolution.data ?? null,
    timedOut: resolution.timedOut,
  };
}

export const waitApproval: NodeDefinition<typeof config> = {
  type: 'wait.approval',
  version: 1,
  title: 'Wait for approval',
  description:
    'Suspends the run (holding no runner) until someone approves or rejects it on the run page, with runs.resume, or through its single-use resume link, or until the timeout. Outputs { decision, by, data, timedOut }.',
  category: 'flow',
  // A durable wait with a record of its own in the database.
  effects: true,
  configSchema: config,
  exampleConfig: { message: 'Approve order {{ trigger.body.id }} over 1,000?', timeoutMs: 86_400_000 },
  inputs: [{ id: 'in', label: 'Input' }],
  outputs: [{ id: 'out', label: 'Decision' }],
  migrations: {},
  // What can fail is storing or reading the wait: the database, worth another attempt.
  references: [],
  retry: { maxAttempts: 3, initialDelayMs: 1_000, maxDelayMs: 30_000 },
  async execute(ctx, _input, cfg) {
    // From the step's first start, which survives resumes: a resumed run does not wait longer.
    const expiresAt = new Date(ctx.stepStartedAt.getTime() + cfg.timeoutMs);
    const wait = await ctx.waits.open({
      kind: 'approval',
      expiresAt,
      ...(cfg.message === undefined ? {} : { message: cfg.message }),
    });
    const simulated = wait.simulated ? { simulated: true } : {};
    if (wait.resolution) return success({ ...approvalOutput(wait.resolution), ...simulated });
    if (ctx.now().getTime() >= wait.expiresAt.getTime())
      return success({ ...approvalOutput(await ctx.waits.timeOut(wait.waitId)), ...simulated });
    return {
      kind: 'wait',
      until: wait.expiresAt.toISOString(),
      reason: `waiting for approval (until ${wait.expiresAt.toISOString()})`,
      waitFor: { waitId: wait.waitId },
    };
  },
};
