import { webhookTriggerInput } from '@weft/core';
import {
  createRuns,
  insertDeliveryOnce,
  markDeliveryDispatched,
  newObjectId,
  newRunOfVersion,
  scheduleRun,
} from '@weft/db';
import type { Logger } from 'pino';
import type { ApiDeps } from '../deps.js';
import { loadVersion } from '../runs.js';
import type { ResolvedApp } from './app-lookup.js';
import type { DeliveryIdentity } from './delivery-id.js';
import { matchScenarios } from './match.js';
import type { StoredBody } from './payload.js';

export interface VerifiedDelivery {
  readonly app: ResolvedApp;
  readonly identity: DeliveryIdentity;
  readonly headers: Readonly<Record<string, string>>;
  readonly contentType: string | null;
  readonly stored: StoredBody;
  /** The body as scenarios see it. */
  readonly body: unknown;
  readonly sizeBytes: number;
  readonly receivedAt: Date;
}

export type IngestResult =
  | { readonly idempotent: false; readonly deliveryId: string; readonly runIds: string[] }
  | { readonly idempotent: true; readonly deliveryId: string; readonly runIds: string[] };

/**
 * Steps 3–4 of a webhook's way: match scenarios, choose run ids, store the delivery once (a
 * duplicate answers with the original run ids), then create the runs and enqueue one job each.
 * A crash after the insert leaves a delivery without `dispatchedAt`, which the runner's sweeper
 * repairs with the very run ids stored on it.
 */
export async function ingestDelivery(
  deps: ApiDeps,
  delivery: VerifiedDelivery,
  log: Logger,
): Promise<IngestResult> {
  const { models } = deps.database;
  const { app, identity } = delivery;
  const matches = await matchScenarios(deps, app, { body: delivery.body, headers: delivery.headers }, log);
  const versions = await Promise.all(matches.map((match) => loadVersion(deps, match.versionId)));
  const planned = matches.flatMap((match, index) => {
    const version = versions[index];
    if (!version) {
      log.warn({ scenarioId: match.scenarioId.toHexString() }, 'published version not found; skipped');
      return [];
    }
    return [{ version, runId: newObjectId() }];
  });

  const deliveryObjectId = newObjectId();
  const inserted = await insertDeliveryOnce(models, {
    _id: deliveryObjectId,
    workspaceId: app.workspaceId,
    appId: app.id,
    deliveryId: identity.deliveryId,
    deliveryIdSource: identity.source,
    method: 'POST',
    headers: { ...delivery.headers },
    contentType: delivery.contentType,
    body: delivery.stored.body,
    bodyEncoding: delivery.stored.bodyEncoding,
    sizeBytes: delivery.sizeBytes,
    receivedAt: delivery.receivedAt,
    runIds: planned.map((p) => p.runId),
    plannedRuns: planned.map((p) => ({ runId: p.runId, scenarioVersionId: p.version._id })),
  });
  if (!inserted.created) {
    return {
      idempotent: true,
      deliveryId: identity.deliveryId,
      runIds: inserted.delivery.runIds.map((id) => id.toHexString()),
    };
  }

  const input = webhookTriggerInput({
    ...delivery.stored,
    contentType: delivery.contentType,
    headers: delivery.headers,
    deliveryId: identity.deliveryId,
    receivedAt: delivery.receivedAt,
  });
  await createRuns(
    models,
    planned.map(({ version, runId }) =>
      newRunOfVersion(version, {
        id: runId,
        kind: 'webhook',
        deliveryId: deliveryObjectId,
        correlationId: identity.deliveryId,
        input,
      }),
    ),
    delivery.receivedAt,
  );
  await Promise.all(planned.map(({ runId }) => scheduleRun(deps.queue, runId.toHexString())));
  await markDeliveryDispatched(models, deliveryObjectId, deps.clock());
  return {
    idempotent: false,
    deliveryId: identity.deliveryId,
    runIds: planned.map((p) => p.runId.toHexString()),
  };
}
