import { testDatabase } from '@weft/devdb/test-db';
import { describe, expect, it } from 'vitest';
import {
  connectDatabase,
  findUndispatchedDeliveries,
  insertDeliveryOnce,
  markDeliveryDispatched,
  newObjectId,
} from '../src/index.js';
import { useDatabase } from './setup.js';

const ctx = useDatabase();

function delivery(appId = newObjectId(), deliveryId = 'evt_1') {
  return {
    workspaceId: newObjectId(),
    appId,
    deliveryId,
    deliveryIdSource: 'scheme' as const,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    contentType: 'application/json',
    body: '{"a":1}',
    bodyEncoding: 'utf8' as const,
    sizeBytes: 7,
    receivedAt: new Date(),
    runIds: [newObjectId(), newObjectId()],
  };
}

describe('deliveries repository', () => {
  it('50 concurrent copies of one delivery store one, and every copy sees the original run ids', async () => {
    const appId = newObjectId();
    const copies = Array.from({ length: 50 }, () => delivery(appId, 'evt_concurrent'));
    const results = await Promise.all(copies.map((c) => insertDeliveryOnce(ctx.db.models, c)));
    const created = results.filter((r) => r.created);
    expect(created).toHaveLength(1);
    const original = created[0]!.delivery.runIds.map(String);
    for (const result of results) expect(result.delivery.runIds.map(String)).toEqual(original);
    expect(await ctx.db.models.WebhookDelivery.countDocuments({ appId, deliveryId: 'evt_concurrent' })).toBe(
      1,
    );
  });

  it('the same delivery id of another app is a different delivery', async () => {
    const a = await insertDeliveryOnce(ctx.db.models, delivery(newObjectId(), 'shared'));
    const b = await insertDeliveryOnce(ctx.db.models, delivery(newObjectId(), 'shared'));
    expect(a.created && b.created).toBe(true);
  });

  it('undispatched deliveries are found for repair until marked dispatched', async () => {
    const d = delivery(newObjectId(), 'evt_repair');
    d.receivedAt = new Date(Date.now() - 60_000);
    const { delivery: stored } = await insertDeliveryOnce(ctx.db.models, d);
    let pending = await findUndispatchedDeliveries(ctx.db.models, 30_000);
    expect(pending.map((p) => String(p._id))).toContain(String(stored._id));
    await markDeliveryDispatched(ctx.db.models, stored._id);
    pending = await findUndispatchedDeliveries(ctx.db.models, 30_000);
    expect(pending.map((p) => String(p._id))).not.toContain(String(stored._id));
  });
});

describe('dedupe key', () => {
  it('an unsigned id with another body is stored beside the first and both are flagged; the same body is a duplicate', async () => {
    const appId = newObjectId();
    const first = await insertDeliveryOnce(ctx.db.models, {
      ...delivery(appId, 'gh-1'),
      dedupeKey: 'gh-1 sha256:aa',
    });
    const other = await insertDeliveryOnce(ctx.db.models, {
      ...delivery(appId, 'gh-1'),
      dedupeKey: 'gh-1 sha256:bb',
    });
    const again = await insertDeliveryOnce(ctx.db.models, {
      ...delivery(appId, 'gh-1'),
      dedupeKey: 'gh-1 sha256:aa',
    });
    expect([first.created, other.created, again.created]).toEqual([true, true, false]);
    expect(first.delivery.idConflict).toBeUndefined();
    expect(other.delivery.idConflict).toBe(true);
    expect(String(again.delivery._id)).toBe(String(first.delivery._id));
    const stored = await ctx.db.models.WebhookDelivery.find({ appId }).lean().exec();
    expect(stored.map((d) => d.idConflict)).toEqual([true, true]);
  });

  it('without a key of its own, the delivery id is the key and nothing is flagged', async () => {
    const appId = newObjectId();
    const { delivery: stored } = await insertDeliveryOnce(ctx.db.models, delivery(appId, 'evt_signed'));
    expect(stored.dedupeKey).toBe('evt_signed');
    expect(stored.idConflict).toBeUndefined();
  });
});

describe('connecting to a database of an earlier Weft', () => {
  it('keys its deliveries by their id and replaces the unique (app, delivery id) index', async () => {
    const target = testDatabase();
    const dbName = `${target.dbName}-upgrade`;
    const before = await connectDatabase(target.serverUri, { dbName, syncIndexes: false });
    const oldAppId = newObjectId();
    try {
      const collection = before.models.WebhookDelivery.collection;
      await collection.createIndex({ appId: 1, deliveryId: 1 }, { unique: true });
      const { dedupeKey: _none, ...old } = { ...delivery(oldAppId, 'old-1'), dedupeKey: null };
      await collection.insertOne({ ...old, _id: newObjectId(), dispatchedAt: null });
      await collection.insertOne({ ...old, deliveryId: 'old-2', _id: newObjectId(), dispatchedAt: null });
    } finally {
      await before.close();
    }
    const db = await connectDatabase(target.serverUri, { dbName });
    try {
      const indexes = await db.models.WebhookDelivery.collection.indexes();
      const byId = indexes.find((index) => index.name === 'appId_1_deliveryId_1');
      expect(byId?.unique).not.toBe(true);
      const olds = await db.models.WebhookDelivery.find({ appId: oldAppId })
        .sort({ deliveryId: 1 })
        .lean()
        .exec();
      expect(olds.map((d) => d.dedupeKey)).toEqual(['old-1', 'old-2']);
      // A partner's retry of an old delivery signed with its id is still a duplicate.
      const retry = await insertDeliveryOnce(db.models, delivery(oldAppId, 'old-1'));
      expect(retry.created).toBe(false);
      const appId = newObjectId();
      await insertDeliveryOnce(db.models, { ...delivery(appId, 'gh-1'), dedupeKey: 'gh-1 sha256:aa' });
      await insertDeliveryOnce(db.models, { ...delivery(appId, 'gh-1'), dedupeKey: 'gh-1 sha256:bb' });
      expect(await db.models.WebhookDelivery.countDocuments({ appId })).toBe(2);
    } finally {
      await db.connection.dropDatabase();
      await db.close();
    }
  });
});
