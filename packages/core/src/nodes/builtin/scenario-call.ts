import { z } from 'zod';
import { isWeftError } from '../../errors/weft-error.js';
import { objectIdSchema } from '../../schemas/ids.js';
import type { ChildRunState } from '../calls.js';
import { fatal, success } from '../results.js';
import type { ActionResult, NodeDefinition } from '../types.js';

/**
 * A call waiting for its child is resumed when the child ends; this is only the latest time it
 * looks again by itself, should that resume be lost and the sweep not have repaired it.
 */
export const CHILD_RECHECK_MS = 24 * 3_600_000;

const config = z
  .object({
    scenarioId: objectIdSchema.describe('The scenario to run: a published scenario of this workspace'),
    input: z
      .unknown()
      .optional()
      .describe("The called scenario's trigger input (its trigger outputs it); may use {{ }} expressions"),
    wait: z
      .boolean()
      .default(true)
      .describe('Wait until the called run ends and output its result; off: start it and go on'),
  })
  .strict();

/** A child that ended without succeeding is this step's error, so error paths see it like any failure. */
function childFailure(child: ChildRunState): ActionResult {
  const details = {
    childRunId: child.runId,
    childScenarioId: child.scenarioId,
    childStatus: child.status,
    ...(child.error ? { childError: child.error } : {}),
  };
  if (child.status === 'cancelled')
    return fatal('child_cancelled', `the called run ${child.runId} was cancelled`, details);
  return fatal(
    child.error?.code ?? 'internal',
    `the called run ${child.runId} ${child.status === 'dead' ? 'died' : 'failed'}: ${child.error?.message ?? 'no error recorded'}`,
    details,
  );
}

export const scenarioCall: NodeDefinition<typeof config> = {
  type: 'scenario.call',
  version: 1,
  title: 'Call scenario',
  description:
    "Runs another scenario of this workspace (its published version) with an input. Waiting, it outputs { runId, scenarioId, status, output }, output being the outputs of the called run's final steps by node id; a failed called run is this step's error. Not waiting, it outputs { runId, scenarioId } at once.",
  category: 'flow',
  effects: true,
  // A failed called run is this step's error, so an error path can handle it like any action's.
  errorOutput: true,
  configSchema: config,
  exampleConfig: { scenarioId: '000000000000000000000000', input: { customerId: '{{ trigger.body.id }}' } },
  inputs: [{ id: 'in', label: 'Input' }],
  outputs: [{ id: 'out', label: 'Result' }],
  migrations: {},
  // Starting the child is made idempotent by its id; what can fail transiently is the database.
  references: [{ field: 'scenarioId', kind: 'scenario' }],
  retry: { maxAttempts: 3, initialDelayMs: 1_000, maxDelayMs: 30_000 },
  async execute(ctx, _input, cfg) {
    const input = cfg.input ?? null;
    let child: ChildRunState;
    try {
      child = await ctx.calls.start({ scenarioId: cfg.scenarioId, input, wait: cfg.wait });
    } catch (error) {
      // Refusals carry their facts (the chain, the limit) to the step's error.
      if (isWeftError(error) && !error.retryable)
        return fatal(error.code, `node "${ctx.nodeId}": ${error.message}`, error.details);
      throw error;
    }
    const link = {
      runId: child.runId,
      scenarioId: child.scenarioId,
      ...(child.simulated ? { simulated: true, input } : {}),
    };
    if (!cfg.wait) return success(link);
    switch (child.status) {
      case 'succeeded':
        return success({ ...link, status: child.status, output: child.output ?? null });
      case 'failed':
      case 'dead':
      case 'cancelled':
        return childFailure(child);
      default:
        return {
          kind: 'wait',
          until: new Date(ctx.now().getTime() + CHILD_RECHECK_MS).toISOString(),
          reason: `waiting for the called run ${child.runId} (scenario ${child.scenarioId})`,
          waitFor: { runId: child.runId },
        };
    }
  },
};
