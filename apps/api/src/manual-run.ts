import { createRuns, findScenario, newObjectId, newRunOfVersion, scheduleRun } from '@weft/db';
import type { ApiDeps } from './deps.js';
import type { ObjectId } from './ids.js';
import { isObjectIdString } from './ids.js';
import { loadVersion } from './runs.js';

export type ManualRunOutcome =
  | { readonly ok: true; readonly runId: string; readonly correlationId: string }
  | { readonly ok: false; readonly reason: 'scenario_not_found' | 'not_published'; readonly message: string };

/**
 * A manual run of the scenario's published version (enabled or not) with `input` as its input,
 * queued for the runner: what `POST /trigger/:id` and `runs.start` both do.
 */
export async function startManualRun(
  deps: ApiDeps,
  workspaceId: ObjectId,
  scenarioId: string,
  request: { readonly input: unknown; readonly correlationId?: string | undefined },
): Promise<ManualRunOutcome> {
  const { models } = deps.database;
  const notFound = { ok: false, reason: 'scenario_not_found', message: `no scenario has the id "${scenarioId}"` } as const;
  if (!isObjectIdString(scenarioId)) return notFound;
  const scenario = await findScenario(models, workspaceId, scenarioId);
  if (!scenario) return notFound;
  if (!scenario.publishedVersionId) {
    return {
      ok: false,
      reason: 'not_published',
      message: `scenario "${scenario.name}" has no published version yet; publish it before triggering it`,
    };
  }
  const version = await loadVersion(deps, scenario.publishedVersionId);
  if (!version) {
    return { ok: false, reason: 'not_published', message: `the published version of scenario "${scenario.name}" is missing` };
  }
  const runId = newObjectId();
  const correlationId = request.correlationId?.trim().slice(0, 200) || runId.toHexString();
  await createRuns(
    models,
    [await newRunOfVersion(version, { id: runId, kind: 'manual', correlationId, input: request.input ?? null })],
    deps.clock(),
  );
  await scheduleRun(deps.queue, runId.toHexString());
  deps.logger.info({ scenarioId, runId: runId.toHexString(), correlationId }, 'manual run queued');
  return { ok: true, runId: runId.toHexString(), correlationId };
}
