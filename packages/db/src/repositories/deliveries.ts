import type { SearchFilter } from '@weft/core';
import type { Types } from 'mongoose';
import { type InsertFailure, insertFailures } from '../bulk-insert.js';
import { isDuplicateKeyError, newObjectId, toObjectId } from '../ids.js';
import { isDatabaseUnavailable } from '../unavailable.js';
import { afterCursor, type Page, toPage } from '../pagination.js';
import type { Models, WebhookDeliveryDoc } from '../models.js';

export type NewDelivery = Omit<
  WebhookDeliveryDoc,
  '_id' | 'dispatchedAt' | 'plannedRuns' | 'idConflict' | 'dedupeKey'
> & {
  _id?: Types.ObjectId;
  dedupeKey?: string;
  plannedRuns?: WebhookDeliveryDoc['plannedRuns'];
};

function newDeliveryDoc(delivery: NewDelivery): WebhookDeliveryDoc {
  return {
    ...delivery,
    _id: delivery._id ?? newObjectId(),
    // Without a key of its own, the delivery id is the key (a signed id, or a body hash).
    dedupeKey: delivery.dedupeKey ?? delivery.deliveryId,
    plannedRuns: delivery.plannedRuns ?? [],
    dispatchedAt: null,
  };
}

function findOriginal(models: Models, doc: WebhookDeliveryDoc) {
  return models.WebhookDelivery.findOne({ appId: doc.appId, dedupeKey: doc.dedupeKey })
    .lean<WebhookDeliveryDoc>()
    .exec();
}

/**
 * A stored delivery whose key binds its body (an unsigned id) and whose id another delivery of
 * the app already has: all of them are flagged, since either may be the forged one.
 */
async function flagIdConflict(models: Models, doc: WebhookDeliveryDoc): Promise<WebhookDeliveryDoc> {
  if (doc.dedupeKey === doc.deliveryId) return doc;
  const sharing = await models.WebhookDelivery.find(
    { appId: doc.appId, deliveryId: doc.deliveryId },
    { _id: 1 },
  )
    .limit(2)
    .lean()
    .exec();
  if (sharing.length < 2) return doc;
  await models.WebhookDelivery.updateMany(
    { appId: doc.appId, deliveryId: doc.deliveryId },
    { $set: { idConflict: true } },
  );
  return { ...doc, idConflict: true };
}

export type InsertDeliveryResult =
  | { readonly created: true; readonly delivery: WebhookDeliveryDoc }
  | { readonly created: false; readonly delivery: WebhookDeliveryDoc };

/**
 * Stores a delivery once per (app, dedupe key). The unique index decides between concurrent
 * copies: the loser gets the stored original, run ids included (they are chosen before the
 * insert), so a partner's retry is answered with the runs of its first delivery.
 */
export async function insertDeliveryOnce(
  models: Models,
  delivery: NewDelivery,
): Promise<InsertDeliveryResult> {
  const doc = newDeliveryDoc(delivery);
  try {
    await models.WebhookDelivery.collection.insertOne(doc);
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    const existing = await findOriginal(models, doc);
    if (!existing) throw error;
    return { created: false, delivery: existing };
  }
  return { created: true, delivery: await flagIdConflict(models, doc) };
}

/** One delivery of a refused group insert, on its own; stored by that insert already, it is still new. */
async function insertAlone(
  models: Models,
  doc: WebhookDeliveryDoc,
): Promise<{ readonly ok: true; readonly value: InsertDeliveryResult } | { readonly ok: false; readonly error: unknown }> {
  try {
    const result = await insertDeliveryOnce(models, doc);
    const own = !result.created && result.delivery._id.equals(doc._id);
    return { ok: true, value: own ? { created: true, delivery: result.delivery } : result };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * `insertDeliveryOnce` for many deliveries in one write (the api inserts concurrent webhooks
 * together). Unordered: each delivery is stored or found a duplicate on its own, exactly as alone;
 * duplicates (of earlier deliveries or of one another) get the stored original. The outcomes come
 * in the order of `deliveries`; a delivery that failed otherwise gets its error. A refusal of the
 * whole insert that names no document (the driver's, e.g. a document over 16 MiB) is sorted out by
 * inserting each delivery alone, so it fails only its own webhook; an outage fails them all.
 */
export async function insertDeliveriesOnce(
  models: Models,
  deliveries: readonly NewDelivery[],
): Promise<({ readonly ok: true; readonly value: InsertDeliveryResult } | { readonly ok: false; readonly error: unknown })[]> {
  const docs = deliveries.map(newDeliveryDoc);
  let failed = new Map<number, InsertFailure>();
  try {
    await models.WebhookDelivery.collection.insertMany(docs, { ordered: false });
  } catch (error) {
    // Unless every delivery is accounted for (stored, or failed on its own), none is acknowledged.
    const failures = insertFailures(error);
    if (!failures) {
      if (docs.length === 1 || isDatabaseUnavailable(error)) throw error;
      return Promise.all(docs.map((doc) => insertAlone(models, doc)));
    }
    failed = failures;
  }
  return Promise.all(
    docs.map(async (doc, index) => {
      const failure = failed.get(index);
      if (!failure) {
        try {
          return {
            ok: true as const,
            value: { created: true as const, delivery: await flagIdConflict(models, doc) },
          };
        } catch (error) {
          return { ok: false as const, error };
        }
      }
      if (failure.code !== 11000) return { ok: false as const, error: failure.error };
      const existing = await findOriginal(models, doc);
      if (!existing) return { ok: false as const, error: failure.error };
      return { ok: true as const, value: { created: false as const, delivery: existing } };
    }),
  );
}

/** Marks a delivery's runs as created and enqueued; the sweeper repairs deliveries left without this. */
export async function markDeliveryDispatched(models: Models, id: Types.ObjectId, now = new Date()) {
  await models.WebhookDelivery.updateOne({ _id: id, dispatchedAt: null }, { $set: { dispatchedAt: now } });
}

/**
 * Deliveries accepted but not dispatched for longer than `olderThanMs`: a crash interrupted them.
 * Quarantined ones (`recordDeliveryRepairFailure`) are left out.
 */
export function findUndispatchedDeliveries(
  models: Models,
  olderThanMs: number,
  limit = 100,
  now = new Date(),
) {
  return models.WebhookDelivery.find({
    dispatchedAt: null,
    quarantinedAt: null,
    receivedAt: { $lt: new Date(now.getTime() - olderThanMs) },
  })
    .sort({ receivedAt: 1 })
    .limit(limit)
    .lean<WebhookDeliveryDoc[]>()
    .exec();
}

/**
 * Counts a failed repair of an undispatched delivery; the `maxAttempts`-th quarantines it, so a
 * delivery that cannot be repaired stops being taken (and retried) by every sweep.
 */
export async function recordDeliveryRepairFailure(
  models: Models,
  id: Types.ObjectId,
  error: string,
  maxAttempts: number,
  now = new Date(),
): Promise<{ attempts: number; quarantined: boolean }> {
  const updated = await models.WebhookDelivery.collection.findOneAndUpdate(
    { _id: id },
    { $inc: { repairAttempts: 1 }, $set: { repairError: error } },
    { returnDocument: 'after', projection: { repairAttempts: 1 } },
  );
  const attempts = (updated?.repairAttempts as number | undefined) ?? 0;
  if (attempts < maxAttempts) return { attempts, quarantined: false };
  await models.WebhookDelivery.collection.updateOne({ _id: id }, { $set: { quarantinedAt: now } });
  return { attempts, quarantined: true };
}

export type DeliverySummaryDoc = Pick<
  WebhookDeliveryDoc,
  | '_id'
  | 'appId'
  | 'deliveryId'
  | 'deliveryIdSource'
  | 'idConflict'
  | 'repairAttempts'
  | 'repairError'
  | 'quarantinedAt'
  | 'contentType'
  | 'sizeBytes'
  | 'receivedAt'
  | 'runIds'
  | 'dispatchedAt'
  | 'searchKeys'
>;

export interface DeliveryFilterQuery {
  workspaceId: Types.ObjectId;
  appId?: Types.ObjectId;
  from?: Date;
  to?: Date;
  search?: SearchFilter;
}

/** The stored-delivery filter of a deliveries list (and of a bulk redelivery's selection). */
export function deliveryFilterQuery(query: DeliveryFilterQuery): Record<string, unknown> {
  const receivedAt: Record<string, Date> = {};
  if (query.from) receivedAt.$gte = query.from;
  if (query.to) receivedAt.$lt = query.to;
  return {
    workspaceId: query.workspaceId,
    ...(query.appId ? { appId: query.appId } : {}),
    ...(query.from || query.to ? { receivedAt } : {}),
    ...(query.search ? { searchKeys: { $elemMatch: { name: query.search.name, value: query.search.value } } } : {}),
  };
}

/** Inbound webhooks, newest first, without headers and bodies. */
export async function listDeliveries(
  models: Models,
  query: DeliveryFilterQuery & { limit: number; cursor?: string | null },
): Promise<Page<DeliverySummaryDoc>> {
  const rows = await models.WebhookDelivery.find(
    { ...deliveryFilterQuery(query), ...afterCursor('receivedAt', query.cursor) },
    {
      appId: 1,
      deliveryId: 1,
      deliveryIdSource: 1,
      idConflict: 1,
      repairAttempts: 1,
      repairError: 1,
      quarantinedAt: 1,
      contentType: 1,
      sizeBytes: 1,
      receivedAt: 1,
      runIds: 1,
      dispatchedAt: 1,
      searchKeys: 1,
    },
  )
    .sort({ receivedAt: -1, _id: -1 })
    .limit(query.limit + 1)
    .lean<DeliverySummaryDoc[]>()
    .exec();
  return toPage(rows, query.limit, (row) => row.receivedAt);
}

export function findDelivery(models: Models, workspaceId: Types.ObjectId, id: string) {
  return models.WebhookDelivery.findOne({ _id: toObjectId(id, 'deliveryId'), workspaceId })
    .lean<WebhookDeliveryDoc>()
    .exec();
}

/** Records runs started by a redelivery beside the original ones (once each: a repeated call adds nothing). */
export async function addDeliveryRuns(models: Models, id: Types.ObjectId, runIds: readonly Types.ObjectId[]) {
  await models.WebhookDelivery.updateOne({ _id: id }, { $addToSet: { runIds: { $each: [...runIds] } } });
}

/** `markDeliveryDispatched` for many deliveries in one write (the api marks them in groups). */
export async function markDeliveriesDispatched(
  models: Models,
  ids: readonly Types.ObjectId[],
  now = new Date(),
): Promise<void> {
  if (ids.length === 0) return;
  await models.WebhookDelivery.updateMany(
    { _id: { $in: [...ids] }, dispatchedAt: null },
    { $set: { dispatchedAt: now } },
  );
}
