import type { Types } from 'mongoose';
import { isDuplicateKeyError, newObjectId } from '../ids.js';
import type { Models, WebhookDeliveryDoc } from '../models.js';

export type NewDelivery = Omit<WebhookDeliveryDoc, '_id' | 'dispatchedAt'> & { _id?: Types.ObjectId };

export type InsertDeliveryResult =
  | { readonly created: true; readonly delivery: WebhookDeliveryDoc }
  | { readonly created: false; readonly delivery: WebhookDeliveryDoc };

/**
 * Stores a delivery once per (app, delivery id). The unique index decides between concurrent
 * copies: the loser gets the stored original, run ids included (they are chosen before the
 * insert), so a partner's retry is answered with the runs of its first delivery.
 */
export async function insertDeliveryOnce(
  models: Models,
  delivery: NewDelivery,
): Promise<InsertDeliveryResult> {
  const doc: WebhookDeliveryDoc = { ...delivery, _id: delivery._id ?? newObjectId(), dispatchedAt: null };
  try {
    await models.WebhookDelivery.collection.insertOne(doc);
    return { created: true, delivery: doc };
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    const existing = await models.WebhookDelivery.findOne({
      appId: delivery.appId,
      deliveryId: delivery.deliveryId,
    })
      .lean<WebhookDeliveryDoc>()
      .exec();
    if (!existing) throw error;
    return { created: false, delivery: existing };
  }
}

/** Marks a delivery's runs as created and enqueued; the sweeper repairs deliveries left without this. */
export async function markDeliveryDispatched(models: Models, id: Types.ObjectId, now = new Date()) {
  await models.WebhookDelivery.updateOne({ _id: id, dispatchedAt: null }, { $set: { dispatchedAt: now } });
}

/** Deliveries accepted but not dispatched for longer than `olderThanMs`: a crash interrupted them. */
export function findUndispatchedDeliveries(
  models: Models,
  olderThanMs: number,
  limit = 100,
  now = new Date(),
) {
  return models.WebhookDelivery.find({
    dispatchedAt: null,
    receivedAt: { $lt: new Date(now.getTime() - olderThanMs) },
  })
    .sort({ receivedAt: 1 })
    .limit(limit)
    .lean<WebhookDeliveryDoc[]>()
    .exec();
}
