import type { Models } from './models.js';

const OLD_INDEX = 'appId_1_deliveryId_1';

/**
 * Deliveries were once unique per (app, delivery id), which let a captured body sent with an
 * upcoming delivery's unsigned id turn that delivery into a duplicate. A database of that time
 * still has the unique index (under the name the models now give a plain one, which
 * `createIndexes` refuses to change) and deliveries without a `dedupeKey`. Their id was their key,
 * so it becomes their `dedupeKey` before the old index goes; run again after a crash, it finishes.
 */
export async function upgradeDeliveryKeys(models: Models): Promise<void> {
  const collection = models.WebhookDelivery.collection;
  const indexes = await collection.indexes().catch((error: unknown) => {
    // No collection yet: nothing to upgrade.
    if ((error as { codeName?: string }).codeName === 'NamespaceNotFound') return [];
    throw error;
  });
  if (!indexes.some((index) => index.name === OLD_INDEX && index.unique === true)) return;
  const unkeyed = collection.find({ dedupeKey: { $exists: false } }, { projection: { deliveryId: 1 } });
  let batch: { updateOne: { filter: object; update: object } }[] = [];
  for await (const doc of unkeyed) {
    batch.push({ updateOne: { filter: { _id: doc._id }, update: { $set: { dedupeKey: doc.deliveryId } } } });
    if (batch.length === 500) {
      await collection.bulkWrite(batch, { ordered: false });
      batch = [];
    }
  }
  if (batch.length > 0) await collection.bulkWrite(batch, { ordered: false });
  await collection.dropIndex(OLD_INDEX);
}
