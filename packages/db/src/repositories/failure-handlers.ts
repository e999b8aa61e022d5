import { failureHandlerInput } from '@weft/core';
import type { Types } from 'mongoose';
import type { Models, RunDoc, ScenarioDoc, ScenarioVersionDoc } from '../models.js';
import { createRuns, newRunOfVersion } from './run-life.js';

/*
 * A failed run's failure handler is started in two steps that each repeat safely:
 * 1. `finishRun` makes the run final and records `failureHandler: { scenarioId, runId, pending: true }`
 *    in the same update (the handler's run id is chosen then), so the run is never final without it;
 * 2. `createFailureHandlerRun` inserts the handler run with that id (an existing id is not an
 *    error: it is the run meant) and then clears `pending`.
 * A crash between them leaves `pending: true`, which the runner's sweep finds and finishes. The
 * handler therefore starts once: never zero times, never twice. A handler run (`trigger.kind:
 * 'failure'`) never gets a handler of its own.
 */

export type FailureHandlerResult =
  | { readonly status: 'created'; readonly runId: Types.ObjectId }
  /** The handler cannot run; the failed run's `failureHandler.error` says why. */
  | { readonly status: 'not_started'; readonly reason: string }
  /** Nothing pending on this run (done already, or it has no handler). */
  | { readonly status: 'none' };

/** Why the handler scenario cannot take a run now, or null when it can. */
function unusable(
  scenario: Pick<ScenarioDoc, 'name' | 'archivedAt' | 'publishedVersionId'> | null,
  version: Pick<ScenarioVersionDoc, 'trigger'> | null,
  scenarioId: Types.ObjectId,
): string | null {
  if (!scenario)
    return `failure handler scenario ${scenarioId.toHexString()} does not exist in this workspace`;
  if (scenario.archivedAt) return `failure handler scenario "${scenario.name}" was deleted`;
  if (!version) return `failure handler scenario "${scenario.name}" has no published version`;
  if (version.trigger.kind !== 'manual')
    return `failure handler scenario "${scenario.name}" is started by a ${version.trigger.kind} trigger, not a manual one`;
  return null;
}

/**
 * Creates the pending failure handler run of a final run (step 2 above), with the handler
 * scenario's published version and `{ run, failedStep, error, trigger }` as input. Idempotent.
 */
export async function createFailureHandlerRun(
  models: Models,
  failedRunId: Types.ObjectId,
  now = new Date(),
): Promise<FailureHandlerResult> {
  const run = await models.Run.findOne({ _id: failedRunId, 'failureHandler.pending': true })
    .lean<RunDoc>()
    .exec();
  const handler = run?.failureHandler;
  if (!run || !handler || (run.status !== 'failed' && run.status !== 'dead')) return { status: 'none' };
  const scenario = await models.Scenario.findOne(
    { _id: handler.scenarioId, workspaceId: run.workspaceId },
    { name: 1, archivedAt: 1, publishedVersionId: 1 },
  )
    .lean<Pick<ScenarioDoc, 'name' | 'archivedAt' | 'publishedVersionId'>>()
    .exec();
  const version = scenario?.publishedVersionId
    ? await models.ScenarioVersion.findOne({ _id: scenario.publishedVersionId, workspaceId: run.workspaceId })
        .lean<ScenarioVersionDoc>()
        .exec()
    : null;
  const reason = unusable(scenario, version, handler.scenarioId);
  if (reason !== null || !version) {
    const why = reason ?? 'no published version';
    await markHandled(models, run._id, why, now);
    return { status: 'not_started', reason: why };
  }
  const input = failureHandlerInput({
    id: run._id.toHexString(),
    scenarioId: run.scenarioId.toHexString(),
    version: run.version,
    status: run.status,
    triggerKind: run.trigger.kind,
    correlationId: run.correlationId,
    startedAt: run.startedAt ?? null,
    finishedAt: run.finishedAt,
    input: run.input,
    error: run.error,
    steps: run.steps ?? [],
  });
  await createRuns(
    models,
    [
      await newRunOfVersion(version, {
        id: handler.runId,
        kind: 'failure',
        failureOf: run._id,
        correlationId: run.correlationId,
        input,
      }),
    ],
    now,
  );
  await markHandled(models, run._id, null, now);
  return { status: 'created', runId: handler.runId };
}

function markHandled(models: Models, runId: Types.ObjectId, error: string | null, now: Date) {
  return models.Run.collection.updateOne(
    { _id: runId, 'failureHandler.pending': true },
    { $set: { 'failureHandler.pending': false, 'failureHandler.error': error, updatedAt: now } },
  );
}

/** Final runs whose failure handler has been pending for longer than `afterMs` (a crash in between). */
export function findPendingFailureHandlers(models: Models, afterMs: number, limit: number, now = new Date()) {
  return models.Run.find(
    { 'failureHandler.pending': true, updatedAt: { $lt: new Date(now.getTime() - afterMs) } },
    { _id: 1 },
  )
    .sort({ updatedAt: 1 })
    .limit(limit)
    .lean<{ _id: Types.ObjectId }[]>()
    .exec();
}
