import { webhookTriggerInput } from '@weft/core';
import {
  createRuns,
  findScenarioVersion,
  type Models,
  type NewRun,
  newRunOfVersion,
  type ScenarioVersionDoc,
  type WebhookDeliveryDoc,
} from '@weft/db';
import type { Types } from 'mongoose';
import type { Logger } from 'pino';

/**
 * Creates the runs of a delivery whose dispatch was interrupted between storing the delivery and
 * creating its runs (the api crashed). The api stores its plan on the delivery before anything
 * else (`plannedRuns`: run id → published version), and the run input derives from the stored
 * delivery alone (core's `webhookTriggerInput`), so the recreated runs are exactly the ones the
 * api meant, with the ids the partner was given. Returns the ids created; an id without a plan
 * (or whose version is gone) is logged and gets no run.
 */
export async function recreateDeliveryRuns(
  models: Models,
  delivery: WebhookDeliveryDoc,
  missing: readonly Types.ObjectId[],
  logger: Logger,
): Promise<Types.ObjectId[]> {
  const plans = new Map(
    (delivery.plannedRuns ?? []).map((plan) => [plan.runId.toHexString(), plan]),
  );
  const versions = new Map<string, ScenarioVersionDoc | null>();
  const input = webhookTriggerInput(delivery);
  const runs: NewRun[] = [];
  const unplanned: string[] = [];
  for (const runId of missing) {
    const plan = plans.get(runId.toHexString());
    const versionId = plan?.scenarioVersionId;
    if (!plan || !versionId) {
      unplanned.push(runId.toHexString());
      continue;
    }
    const key = versionId.toHexString();
    if (!versions.has(key)) versions.set(key, await findScenarioVersion(models, versionId));
    const version = versions.get(key);
    if (!version) {
      unplanned.push(runId.toHexString());
      continue;
    }
    runs.push(
      await newRunOfVersion(version, {
        id: runId,
        kind: 'webhook',
        deliveryId: delivery._id,
        correlationId: delivery.deliveryId,
        input,
        searchKeys: plan.searchKeys ?? delivery.searchKeys,
      }),
    );
  }
  if (unplanned.length > 0) {
    logger.error(
      { deliveryId: delivery._id.toHexString(), runIds: unplanned },
      'delivery recovery: no planned version for these run ids; they get no run',
    );
  }
  await createRuns(models, runs, delivery.receivedAt);
  return runs.map((run) => run._id!);
}
