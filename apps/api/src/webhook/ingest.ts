import type { Span } from '@opentelemetry/api';
import { webhookTriggerInput } from '@weft/core';
import { type DeliveryReplyDoc, type DeliveryReplyFrom, newObjectId, newRunOfVersion } from '@weft/db';
import type { Logger } from 'pino';
import type { ApiDeps } from '../deps.js';
import type { ObjectId } from '../ids.js';
import { loadVersion } from '../runs.js';
import { searchKeysOfDelivery } from '../search-keys.js';
import { offerToEventWaits } from './event-waits.js';
import { webhookWrites } from './group-writes.js';
import { matchScenarios } from './match.js';
import { replyFromOf } from './reply-from.js';
import { runTraceOf, traceDeliveryStored } from './tracing.js';
import type { VerifiedDelivery } from './verified-delivery.js';

export type { VerifiedDelivery };

/** The stored delivery as answering it needs: the run that replies (if any) and a reply already given. */
export interface StoredDeliveryReply {
  readonly id: ObjectId;
  readonly replyFrom: DeliveryReplyFrom | null;
  readonly reply: DeliveryReplyDoc | null;
}

export type IngestResult =
  | {
      readonly idempotent: false;
      readonly deliveryId: string;
      readonly runIds: string[];
      readonly stored: StoredDeliveryReply;
    }
  | {
      readonly idempotent: true;
      readonly deliveryId: string;
      readonly runIds: string[];
      readonly stored: StoredDeliveryReply;
    };

/**
 * Steps 3–4 of a webhook's way: match scenarios, choose run ids, store the delivery once (a
 * duplicate answers with the original run ids), then create the runs, queued. Runners claim new
 * runs from the stream of run inserts (apps/runner run-feed.ts): no Agenda job per run. The
 * delivery is then marked dispatched, without holding the answer back. Concurrent webhooks share
 * these writes (group-writes.ts).
 * A crash after the insert
 * leaves a delivery without `dispatchedAt`, which the runner's sweeper repairs with the very run
 * ids stored on it.
 * Traced as `delivery stored` under the request's span; each run stores that span as the trace
 * its runner continues.
 */
export function ingestDelivery(
  deps: ApiDeps,
  delivery: VerifiedDelivery,
  log: Logger,
  webhookSpan?: Span,
): Promise<IngestResult> {
  return traceDeliveryStored(
    deps.tracer,
    webhookSpan,
    (span) => ingest(deps, delivery, log, span),
    (result) => ({
      'weft.delivery.id': result.deliveryId,
      'weft.delivery.idempotent': result.idempotent,
      'weft.run.count': result.runIds.length,
    }),
  );
}

async function ingest(
  deps: ApiDeps,
  delivery: VerifiedDelivery,
  log: Logger,
  span: Span | undefined,
): Promise<IngestResult> {
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

  // A key that fails stores nothing for itself; the delivery is accepted all the same.
  const search = await searchKeysOfDelivery(
    { body: delivery.body, headers: delivery.headers },
    { keys: app.searchKeys },
    planned.map((p) => p.version),
    log,
  );
  const searchKeys = search.delivery;

  const deliveryObjectId = newObjectId();
  const replyFrom = replyFromOf(planned);
  const writes = webhookWrites(deps);
  const inserted = await writes.insertDelivery({
    _id: deliveryObjectId,
    workspaceId: app.workspaceId,
    appId: app.id,
    deliveryId: identity.deliveryId,
    deliveryIdSource: identity.source,
    dedupeKey: identity.dedupeKey,
    method: 'POST',
    headers: { ...delivery.headers },
    contentType: delivery.contentType,
    body: delivery.stored.body,
    bodyEncoding: delivery.stored.bodyEncoding,
    sizeBytes: delivery.sizeBytes,
    receivedAt: delivery.receivedAt,
    runIds: planned.map((p) => p.runId),
    plannedRuns: planned.map((p, index) => ({
      runId: p.runId,
      scenarioVersionId: p.version._id,
      ...(search.runs[index]!.length > 0 ? { searchKeys: search.runs[index]! } : {}),
    })),
    replyFrom,
    ...(searchKeys.length > 0 ? { searchKeys } : {}),
  });
  if (!inserted.created) {
    return {
      idempotent: true,
      deliveryId: identity.deliveryId,
      runIds: inserted.delivery.runIds.map((id) => id.toHexString()),
      stored: {
        id: inserted.delivery._id,
        replyFrom: inserted.delivery.replyFrom ?? null,
        reply: inserted.delivery.reply ?? null,
      },
    };
  }

  const input = webhookTriggerInput({
    ...delivery.stored,
    contentType: delivery.contentType,
    headers: delivery.headers,
    deliveryId: identity.deliveryId,
    receivedAt: delivery.receivedAt,
  });
  const trace = span ? runTraceOf(span) : undefined;
  // The runs and the offer to event waits are independent (each needs only the stored delivery):
  // their round trips overlap. Unoffered (it failed), the delivery stays undispatched: the
  // sweeper offers it again.
  const [, offered] = await Promise.all([
    writes.createRuns(
      await Promise.all(
        planned.map(({ version, runId }, index) =>
          newRunOfVersion(version, {
            id: runId,
            kind: 'webhook',
            deliveryId: deliveryObjectId,
            correlationId: identity.deliveryId,
            input,
            searchKeys: search.runs[index],
            ...(trace ? { trace } : {}),
          }),
        ),
      ),
      delivery.receivedAt,
    ),
    offerToEventWaits(deps, deliveryObjectId, delivery, log),
  ]);
  // The answer waits for the delivery and its runs, not for this mark: without it, the runner's
  // sweeper creates the stored run ids again, which changes nothing once they exist.
  if (offered)
    writes.markDispatched(deliveryObjectId).catch((error: unknown) => {
      log.warn({ err: error }, 'could not mark the delivery dispatched; the sweeper will');
    });
  return {
    idempotent: false,
    deliveryId: identity.deliveryId,
    runIds: planned.map((p) => p.runId.toHexString()),
    stored: { id: deliveryObjectId, replyFrom, reply: null },
  };
}
