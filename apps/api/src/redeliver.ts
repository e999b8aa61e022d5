import { type SearchKeyValue, webhookTriggerInput } from '@weft/core';
import {
  addDeliveryRuns,
  createRuns,
  findAppSearchKeys,
  newObjectId,
  newRunOfVersion,
  type ScenarioVersionDoc,
  scheduleRun,
  type WebhookDeliveryDoc,
} from '@weft/db';
import type { ApiDeps } from './deps.js';
import type { ObjectId } from './ids.js';
import { loadVersion } from './runs.js';
import { searchKeysOfDelivery } from './search-keys.js';
import { matchScenarios } from './webhook/match.js';

export interface PlannedRedelivery {
  readonly version: ScenarioVersionDoc;
  readonly runId: ObjectId;
  /** The app's search key values with the scenario's own on top, evaluated now (as the match is). */
  readonly searchKeys: readonly SearchKeyValue[];
}

export type RedeliveryPlan =
  | { readonly ok: true; readonly planned: PlannedRedelivery[]; readonly notMatched: string[] }
  | { readonly ok: false; readonly message: string };

/**
 * The runs a redelivery creates: one per enabled, published scenario whose webhook trigger (and
 * filter) matches the delivery now, or only those of `scenarioIds` (the others requested are
 * `notMatched`). Run ids are chosen here, before anything is stored, and the runs' search key
 * values evaluated (the app's and the scenarios' keys as they are now).
 */
export async function planRedelivery(
  deps: ApiDeps,
  delivery: WebhookDeliveryDoc,
  scenarioIds?: readonly string[],
): Promise<RedeliveryPlan> {
  const app = await findAppSearchKeys(deps.database.models, delivery.workspaceId, delivery.appId);
  if (!app) {
    return {
      ok: false,
      message: `the app that received delivery ${delivery._id.toHexString()} was deleted; there is nothing to run it again`,
    };
  }
  const triggerInput = webhookTriggerInput(delivery);
  const log = deps.logger.child({ correlationId: delivery.deliveryId });
  const matches = await matchScenarios(
    deps,
    { id: app._id, workspaceId: delivery.workspaceId },
    { body: triggerInput.body, headers: delivery.headers },
    log,
  );
  const wanted = scenarioIds ? new Set(scenarioIds) : null;
  const chosen = wanted ? matches.filter((m) => wanted.has(m.scenarioId.toHexString())) : matches;
  const notMatched = wanted
    ? [...wanted].filter((id) => !matches.some((m) => m.scenarioId.toHexString() === id))
    : [];
  const versions = (await Promise.all(chosen.map((match) => loadVersion(deps, match.versionId)))).filter(
    (version): version is ScenarioVersionDoc => version !== null,
  );
  const search = await searchKeysOfDelivery(
    { body: triggerInput.body, headers: delivery.headers },
    { keys: app.searchKeys ?? [] },
    versions,
    log,
  );
  const planned = versions.map((version, index) => ({
    version,
    runId: newObjectId(),
    searchKeys: search.runs[index]!,
  }));
  return { ok: true, planned, notMatched };
}

/**
 * Creates the planned runs (`trigger.kind` `redelivery`, linked to the delivery, with its input
 * and search keys), records them on the delivery and enqueues them. Idempotent for the same plan:
 * runs that exist already and run ids already on the delivery are left as they are.
 */
export async function createRedelivery(
  deps: ApiDeps,
  delivery: WebhookDeliveryDoc,
  planned: readonly PlannedRedelivery[],
): Promise<void> {
  const { models } = deps.database;
  const triggerInput = webhookTriggerInput(delivery);
  await createRuns(
    models,
    await Promise.all(
      planned.map((p) =>
        newRunOfVersion(p.version, {
          id: p.runId,
          kind: 'redelivery',
          deliveryId: delivery._id,
          correlationId: delivery.deliveryId,
          input: triggerInput,
          searchKeys: p.searchKeys,
        }),
      ),
    ),
    deps.clock(),
  );
  const runIds = planned.map((p) => p.runId);
  if (runIds.length > 0) await addDeliveryRuns(models, delivery._id, runIds);
  await Promise.all(runIds.map((runId) => scheduleRun(deps.queue, runId.toHexString())));
}
