import { describe, expect, it } from 'vitest';
import {
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
