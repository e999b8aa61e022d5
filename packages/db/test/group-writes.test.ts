import { describe, expect, it } from 'vitest';
import {
  claimQueuedRun,
  createRunGroups,
  createRuns,
  GroupCommit,
  insertDeliveriesOnce,
  markDeliveriesDispatched,
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
    runIds: [newObjectId()],
  };
}

describe('GroupCommit', () => {
  it('writes the first item at once and the items submitted meanwhile together; each gets its own outcome', async () => {
    const writes: number[][] = [];
    const group = new GroupCommit<number, string>(async (items) => {
      writes.push([...items]);
      await new Promise((resolve) => setTimeout(resolve, 20));
      return items.map((n) => (n % 2 === 0 ? { ok: true, value: `even ${n}` } : { ok: false, error: new Error(`odd ${n}`) }));
    });
    const outcomes = await Promise.allSettled([1, 2, 3, 4, 5].map((n) => group.submit(n)));
    expect(writes).toEqual([[1], [2, 3, 4, 5]]);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual([
      'odd 1',
      'even 2',
      'odd 3',
      'even 4',
      'odd 5',
    ]);
  });

  it('rejects every item of a write that fails as a whole, and goes on with the next', async () => {
    let calls = 0;
    const group = new GroupCommit<number>(async (items) => {
      calls++;
      if (calls === 1) throw new Error('down');
      return items.map(() => ({ ok: true, value: undefined }));
    });
    const first = group.submit(1);
    const second = group.submit(2);
    await expect(first).rejects.toThrow('down');
    await expect(second).resolves.toBeUndefined();
  });
});

describe('group writes of deliveries and runs', () => {
  it('insertDeliveriesOnce: new ones are created, duplicates (earlier or in the same write) get the stored original', async () => {
    const appId = newObjectId();
    const earlier = delivery(appId, 'evt_earlier');
    const [stored] = await insertDeliveriesOnce(ctx.db.models, [earlier]);
    expect(stored).toMatchObject({ ok: true, value: { created: true } });

    const fresh = delivery(appId, 'evt_fresh');
    const twin = delivery(appId, 'evt_fresh');
    const retry = delivery(appId, 'evt_earlier');
    const outcomes = await insertDeliveriesOnce(ctx.db.models, [fresh, twin, retry]);
    expect(outcomes.map((o) => o.ok && o.value.created)).toEqual([true, false, false]);
    const runIdsOf = (o: (typeof outcomes)[number]) => (o.ok ? o.value.delivery.runIds.map(String) : []);
    expect(runIdsOf(outcomes[1]!)).toEqual(fresh.runIds.map(String));
    expect(runIdsOf(outcomes[2]!)).toEqual(earlier.runIds.map(String));
    expect(await ctx.db.models.WebhookDelivery.countDocuments({ appId })).toBe(2);

    const ids = outcomes.filter((o) => o.ok && o.value.created).map((o) => (o.ok ? o.value.delivery._id : null)!);
    await markDeliveriesDispatched(ctx.db.models, ids);
    const marked = await ctx.db.models.WebhookDelivery.find({ _id: { $in: ids } }).lean();
    expect(marked.every((d) => d.dispatchedAt instanceof Date)).toBe(true);
  });

  it('claimQueuedRun: claimers sharing candidates each get a different queued run, then none', async () => {
    const version = { _id: newObjectId(), workspaceId: newObjectId(), scenarioId: newObjectId(), version: 1 };
    const ids = await createRuns(
      ctx.db.models,
      Array.from({ length: 5 }, (_, i) => ({
        workspaceId: version.workspaceId,
        scenarioId: version.scenarioId,
        scenarioVersionId: version._id,
        version: 1,
        trigger: { kind: 'manual' as const },
        correlationId: `c${i}`,
        input: null,
        nodes: [{ id: 'start', type: 'trigger.manual' }],
      })),
    );
    const claims = await Promise.all(
      Array.from({ length: 8 }, (_, i) => claimQueuedRun(ctx.db.models, ids, { owner: `r${i % 2}`, leaseMs: 10_000 })),
    );
    const claimed = claims.filter((run) => run !== null).map((run) => run!._id.toHexString());
    expect(claimed.sort()).toEqual(ids.map((id) => id.toHexString()).sort());
    for (const run of claims.filter((r) => r !== null)) expect(run).toMatchObject({ status: 'running', claims: 1 });
    expect(await claimQueuedRun(ctx.db.models, ids, { owner: 'late', leaseMs: 10_000 })).toBeNull();
  });
});

describe('createRunGroups', () => {
  function run(input: unknown = { body: { n: 1 } }) {
    return {
      _id: newObjectId(),
      workspaceId: newObjectId(),
      scenarioId: newObjectId(),
      scenarioVersionId: newObjectId(),
      version: 1,
      trigger: { kind: 'webhook' as const },
      correlationId: 'c',
      input,
      nodes: [{ id: 'hook', type: 'trigger.webhook' }],
    };
  }

  it("a run the database refuses fails only its own webhook's group, not the others", async () => {
    const [a, b] = [run(), run()];
    // Over MongoDB's 16 MiB document limit: refused whole (by the driver) before any is stored.
    const tooLarge = run({ body: 'x'.repeat(17 * 1024 * 1024) });
    const now = new Date('2026-01-01T00:00:00Z');
    const outcomes = await createRunGroups(ctx.db.models, [
      { runs: [a], now },
      { runs: [tooLarge], now },
      { runs: [b], now: new Date(now.getTime() + 1) },
    ]);
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
    expect(await ctx.db.models.Run.countDocuments({ _id: { $in: [a._id, b._id, tooLarge._id] } })).toBe(2);
    const stored = await ctx.db.models.Run.findById(b._id).lean().exec();
    expect(stored?.createdAt).toEqual(new Date(now.getTime() + 1));
  });

  it('a duplicate of an existing run is no failure', async () => {
    const a = run();
    await createRuns(ctx.db.models, [a]);
    expect(await createRunGroups(ctx.db.models, [{ runs: [a], now: new Date() }, { runs: [run()], now: new Date() }])).toEqual([
      { ok: true },
      { ok: true },
    ]);
  });
});

describe('insertDeliveriesOnce with a delivery the database refuses', () => {
  it('fails that delivery only; the others of the write are stored or found duplicates as usual', async () => {
    const appId = newObjectId();
    const earlier = delivery(appId, 'evt_earlier');
    await insertDeliveriesOnce(ctx.db.models, [earlier]);
    const good = delivery(appId, 'evt_good');
    // Over MongoDB's 16 MiB document limit: the driver refuses the whole insert, naming no document.
    const tooLarge = { ...delivery(appId, 'evt_huge'), body: 'x'.repeat(17 * 1024 * 1024) };
    const outcomes = await insertDeliveriesOnce(ctx.db.models, [good, tooLarge, delivery(appId, 'evt_earlier')]);
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
    expect(outcomes[0]).toMatchObject({ ok: true, value: { created: true } });
    expect(outcomes[2]).toMatchObject({ ok: true, value: { created: false } });
    const stored = await ctx.db.models.WebhookDelivery.find({ appId }, { deliveryId: 1 }).lean().exec();
    expect(stored.map((d) => d.deliveryId).sort()).toEqual(['evt_earlier', 'evt_good']);
  });
});
