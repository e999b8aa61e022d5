import { type ChildRunState, childRunOutput, type ScenarioCalls, WeftError } from '@weft/core';
import { type Models, type RunDoc, startChildRun, type VersionCache } from '@weft/db';
import { currentRunTrace } from '../observability/spans.js';

export interface ScenarioCallsOptions {
  readonly models: Models;
  readonly versions: VersionCache;
  /** The calling run as claimed: its id, workspace, scenario, correlation id and chain of calls. */
  readonly run: Pick<RunDoc, '_id' | 'workspaceId' | 'scenarioId' | 'correlationId' | 'callPath'>;
  readonly maxDepth: number;
}

/** Database trouble is worth another attempt of the step (the child's id keeps it one child). */
function transient(error: unknown, what: string): WeftError {
  return new WeftError('network', `${what}: ${(error as Error).message}`, { retryable: true, cause: error });
}

async function stateOf(options: ScenarioCallsOptions, child: RunDoc): Promise<ChildRunState> {
  const base = {
    runId: child._id.toHexString(),
    scenarioId: child.scenarioId.toHexString(),
    status: child.status,
  };
  if (child.status === 'succeeded') {
    const version = await options.versions.get(options.models, child.scenarioVersionId);
    const output = version
      ? childRunOutput({ nodes: version.nodes, edges: version.edges }, child.steps ?? [])
      : {};
    return { ...base, output };
  }
  if (child.status === 'failed' || child.status === 'dead' || child.status === 'cancelled')
    return { ...base, error: child.error ?? null };
  return base;
}

/** Real scenario calls for the steps of one run: child runs in the database (see startChildRun). */
export function scenarioCallsFor(
  options: ScenarioCallsOptions,
  nodeId: string,
  itemIndex?: number,
): ScenarioCalls {
  return {
    async start({ scenarioId, input, wait }) {
      let started: Awaited<ReturnType<typeof startChildRun>>;
      const trace = currentRunTrace();
      try {
        started = await startChildRun(options.models, {
          parent: options.run,
          nodeId,
          ...(itemIndex === undefined ? {} : { itemIndex }),
          scenarioId,
          input,
          wait,
          maxDepth: options.maxDepth,
          loadVersion: (id) => options.versions.get(options.models, id),
          ...(trace ? { trace } : {}),
        });
      } catch (error) {
        throw transient(error, `could not start the run of scenario ${scenarioId}`);
      }
      if (!started.ok) throw new WeftError(started.code, started.message, { details: started.details });
      try {
        return await stateOf(options, started.run);
      } catch (error) {
        throw transient(error, `could not read the called run ${started.run._id.toHexString()}`);
      }
    },
  };
}
