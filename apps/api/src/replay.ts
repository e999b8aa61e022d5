import { FINAL_RUN_STATUSES, type RunReplayMode, type RunReplayVersion, type Step } from '@weft/core';
import {
  copyHttpPages,
  copySucceededLoopItems,
  createRuns,
  findScenarioState,
  findScenarioVersion,
  newRunOfVersion,
  type RunDoc,
  runExists,
  type ScenarioVersionDoc,
  scheduleRun,
} from '@weft/db';
import type { ApiDeps } from './deps.js';
import type { ObjectId } from './ids.js';
import { loadVersion } from './runs.js';

const FINAL: ReadonlySet<string> = new Set(FINAL_RUN_STATUSES);

/**
 * The steps a replay from the failure starts with: every step that succeeded keeps its output,
 * handles and timings (it does not run again); every other step is pending again, so the failed
 * step and what follows it run, and branches are decided again from the kept outputs. Of a step
 * whose node the replayed version no longer has (or has as another type), nothing is kept.
 */
export function stepsForReplay(steps: readonly Step[], version: Pick<ScenarioVersionDoc, 'nodes'>): Step[] {
  const types = new Map(version.nodes.map((node) => [node.id, node.type]));
  return steps
    .filter((step) => step.status === 'succeeded' && types.get(step.nodeId) === step.nodeType)
    .map((step) => ({ ...step }));
}

export type ReplayPlan =
  | { readonly ok: true; readonly version: ScenarioVersionDoc }
  | { readonly ok: false; readonly code: 'CONFLICT' | 'PRECONDITION_FAILED'; readonly message: string };

/**
 * Whether a run can be replayed as asked, and with which version: only a finished run (a live
 * one is a CONFLICT), `failure` only of one that did not succeed and still has its outputs, only
 * while its scenario exists; `original` is the version it was pinned to, `published` the
 * scenario's published version now.
 */
export async function planReplay(
  deps: ApiDeps,
  run: RunDoc,
  from: RunReplayMode,
  which: RunReplayVersion,
): Promise<ReplayPlan> {
  const id = run._id.toHexString();
  if (!FINAL.has(run.status)) {
    return {
      ok: false,
      code: 'CONFLICT',
      message: `run ${id} is still ${run.status}; wait for it to finish or cancel it before replaying it`,
    };
  }
  if (from === 'failure' && run.status === 'succeeded') {
    return {
      ok: false,
      code: 'PRECONDITION_FAILED',
      message: `run ${id} succeeded: there is no failed step to replay from; replay it from the start`,
    };
  }
  if (from === 'failure' && run.outputsPrunedAt) {
    return {
      ok: false,
      code: 'PRECONDITION_FAILED',
      message: `the step outputs of run ${id} were removed by retention on ${run.outputsPrunedAt.toISOString()}: it cannot continue from its failure; replay it from the start`,
    };
  }
  const scenario = await findScenarioState(deps.database.models, run.workspaceId, run.scenarioId);
  if (!scenario || scenario.archivedAt) {
    return {
      ok: false,
      code: 'PRECONDITION_FAILED',
      message: `the scenario of run ${id}${scenario ? ` ("${scenario.name}")` : ''} was deleted; its runs can be read but not replayed`,
    };
  }
  if (which === 'published') {
    const version = scenario.publishedVersionId ? await loadVersion(deps, scenario.publishedVersionId) : null;
    if (!version) {
      return {
        ok: false,
        code: 'PRECONDITION_FAILED',
        message: `scenario "${scenario.name}" of run ${id} has no published version to replay it with`,
      };
    }
    return { ok: true, version };
  }
  const version = await findScenarioVersion(deps.database.models, run.scenarioVersionId);
  if (!version?.workspaceId.equals(run.workspaceId)) {
    return {
      ok: false,
      code: 'PRECONDITION_FAILED',
      message: `the version run ${id} was pinned to no longer exists`,
    };
  }
  return { ok: true, version };
}

/**
 * Creates the replay of `run` as run `id` (`trigger.kind` `replay`, `replayOf`, the same input,
 * correlation id and search keys) and enqueues it. Idempotent for a given id: called again (a
 * bulk job resumed after a crash) it creates nothing new and copies nothing over a run that
 * already exists.
 */
export async function createReplay(
  deps: ApiDeps,
  run: RunDoc,
  version: ScenarioVersionDoc,
  from: RunReplayMode,
  id: ObjectId,
): Promise<void> {
  const { models } = deps.database;
  const now = deps.clock();
  const exists = await runExists(models, id);
  // Succeeded loop items and fetched pages go with the succeeded steps, before the run exists
  // for any runner: a paginated step that failed goes on at the page it failed at.
  if (from === 'failure' && !exists) {
    await copySucceededLoopItems(models, run._id, { id, workspaceId: run.workspaceId }, now);
    await copyHttpPages(models, run._id, { id, workspaceId: run.workspaceId }, now);
  }
  await createRuns(
    models,
    [
      await newRunOfVersion(version, {
        id,
        kind: 'replay',
        replayOf: run._id,
        deliveryId: run.trigger.deliveryId,
        correlationId: run.correlationId,
        input: run.input,
        searchKeys: run.searchKeys,
        ...(from === 'failure' ? { steps: stepsForReplay(run.steps, version) } : {}),
      }),
    ],
    now,
  );
  await scheduleRun(deps.queue, id.toHexString());
}
