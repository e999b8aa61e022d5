import { describe, expect, it } from 'vitest';
import {
  cancelBulkJob,
  claimBulkJob,
  createBulkJob,
  createRuns,
  finishBulkJob,
  findBulkJob,
  insertDeliveryOnce,
  listDeliveries,
  listRuns,
  newObjectId,
  pruneBulkJobs,
  recordBulkItem,
  saveBulkJobProgress,
  settleBulkItem,
} from '../src/index.js';
import { useDatabase } from './setup.js';

const ctx = useDatabase();

function run(
  workspaceId: ReturnType<typeof newObjectId>,
  correlationId: string,
  searchKeys?: { name: string; value: string }[],
) {
  return {
    workspaceId,
    scenarioId: newObjectId(),
    scenarioVersionId: newObjectId(),
    version: 1,
    trigger: { kind: 'webhook' as const },
    correlationId,
    input: null,
    nodes: [],
    ...(searchKeys ? { searchKeys } : {}),
  };
}

describe('search keys on runs and deliveries', () => {
  it('lists the runs whose key has exactly the value, within the workspace', async () => {
    const workspaceId = newObjectId();
    await createRuns(ctx.db.models, [
      run(workspaceId, 'a', [
        { name: 'customer', value: 'cus_1' },
        { name: 'order', value: 'o_7' },
      ]),
      run(workspaceId, 'b', [{ name: 'customer', value: 'cus_2' }]),
      // The value under another key name does not match.
      run(workspaceId, 'c', [{ name: 'order', value: 'cus_1' }]),
      run(workspaceId, 'd'),
      run(newObjectId(), 'other-tenant', [{ name: 'customer', value: 'cus_1' }]),
    ]);
    const page = await listRuns(ctx.db.models, {
      workspaceId,
      search: { name: 'customer', value: 'cus_1' },
      limit: 50,
    });
    expect(page.items.map((r) => r.correlationId)).toEqual(['a']);
    expect(page.items[0]!.searchKeys).toEqual([
      { name: 'customer', value: 'cus_1' },
      { name: 'order', value: 'o_7' },
    ]);
  });

  it('lists the deliveries whose key has exactly the value', async () => {
    const workspaceId = newObjectId();
    const appId = newObjectId();
    const base = {
      workspaceId,
      appId,
      deliveryIdSource: 'idempotency_key' as const,
      method: 'POST',
      headers: {},
      contentType: 'application/json',
      body: '{}',
      bodyEncoding: 'utf8' as const,
      sizeBytes: 2,
      receivedAt: new Date(),
      runIds: [],
    };
    await insertDeliveryOnce(ctx.db.models, {
      ...base,
      deliveryId: 'd1',
      searchKeys: [{ name: 'customer', value: 'cus_1' }],
    });
    await insertDeliveryOnce(ctx.db.models, {
      ...base,
      deliveryId: 'd2',
      searchKeys: [{ name: 'customer', value: 'cus_2' }],
    });
    await insertDeliveryOnce(ctx.db.models, { ...base, deliveryId: 'd3' });
    const page = await listDeliveries(ctx.db.models, {
      workspaceId,
      search: { name: 'customer', value: 'cus_2' },
      limit: 50,
    });
    expect(page.items.map((d) => d.deliveryId)).toEqual(['d2']);
  });
});

describe('bulk jobs', () => {
  const spec = { kind: 'replay' as const, filter: {}, from: 'start' as const, version: 'original' as const };

  it('is taken by exactly one of several concurrent claimers', async () => {
    const workspaceId = newObjectId();
    const job = await createBulkJob(ctx.db.models, { workspaceId, spec, createdBy: 'test' });
    const claims = await Promise.all(
      ['a', 'b', 'c', 'd'].map((owner) => claimBulkJob(ctx.db.models, { owner, leaseMs: 60_000 })),
    );
    const taken = claims.filter((claim) => claim?._id.equals(job._id));
    expect(taken).toHaveLength(1);
    // Held, it is not taken again until the lease expires; then another process takes it over.
    expect(await claimBulkJob(ctx.db.models, { owner: 'e', leaseMs: 60_000 })).toBeNull();
    const later = new Date(Date.now() + 120_000);
    const takeover = await claimBulkJob(ctx.db.models, { owner: 'e', leaseMs: 60_000, now: later });
    expect(takeover?._id.equals(job._id)).toBe(true);
    expect(takeover?.leaseOwner).toBe('e');
    // The previous holder's writes no longer count.
    const stale = await saveBulkJobProgress(ctx.db.models, job, taken[0]!.leaseOwner!, {
      cursor: null,
      problems: [],
      leaseMs: 60_000,
    });
    expect(stale).toBe(false);
    expect(await finishBulkJob(ctx.db.models, job, 'e')).toBe(true);
    expect((await findBulkJob(ctx.db.models, workspaceId, job._id.toHexString()))?.status).toBe('done');
  });

  it('records an item once: a second record gets the first one, with its planned runs', async () => {
    const jobId = newObjectId();
    const sourceId = newObjectId();
    const first = { runId: newObjectId(), scenarioVersionId: newObjectId() };
    const a = await recordBulkItem(ctx.db.models, {
      jobId,
      sourceId,
      planned: [first],
      outcome: 'pending',
      message: null,
    });
    const b = await recordBulkItem(ctx.db.models, {
      jobId,
      sourceId,
      planned: [{ runId: newObjectId(), scenarioVersionId: newObjectId() }],
      outcome: 'pending',
      message: null,
    });
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.item.planned[0]!.runId.equals(first.runId)).toBe(true);
    await settleBulkItem(ctx.db.models, a.item._id, 'done');
    await settleBulkItem(ctx.db.models, a.item._id, 'failed', 'too late');
    const again = await recordBulkItem(ctx.db.models, {
      jobId,
      sourceId,
      planned: [],
      outcome: 'pending',
      message: null,
    });
    expect(again.item.outcome).toBe('done');
  });

  it('counts progress from its items, and a cancelled job stops its holder', async () => {
    const workspaceId = newObjectId();
    const job = await createBulkJob(ctx.db.models, { workspaceId, spec, createdBy: 'test' });
    const held = await claimBulkJob(ctx.db.models, { owner: 'p', leaseMs: 60_000 });
    expect(held?._id.equals(job._id)).toBe(true);
    for (const outcome of ['done', 'done', 'skipped'] as const) {
      await recordBulkItem(ctx.db.models, {
        jobId: job._id,
        sourceId: newObjectId(),
        planned: [],
        outcome,
        message: null,
      });
    }
    const sourceId = newObjectId();
    expect(
      await saveBulkJobProgress(ctx.db.models, job, 'p', {
        cursor: { time: new Date(), id: sourceId },
        problems: [{ sourceId, outcome: 'skipped', message: 'still running' }],
        leaseMs: 60_000,
      }),
    ).toBe(true);
    const saved = await findBulkJob(ctx.db.models, workspaceId, job._id.toHexString());
    expect(saved?.counts).toEqual({ done: 2, skipped: 1, failed: 0 });
    expect(saved?.problems).toHaveLength(1);

    expect(await cancelBulkJob(ctx.db.models, workspaceId, job._id)).toBe(true);
    expect(
      await saveBulkJobProgress(ctx.db.models, job, 'p', { cursor: null, problems: [], leaseMs: 1 }),
    ).toBe(false);
    expect(await finishBulkJob(ctx.db.models, job, 'p')).toBe(false);
    expect(await cancelBulkJob(ctx.db.models, workspaceId, job._id)).toBe(false);
    expect((await findBulkJob(ctx.db.models, workspaceId, job._id.toHexString()))?.status).toBe('cancelled');
    // Another workspace cannot read it.
    expect(await findBulkJob(ctx.db.models, newObjectId(), job._id.toHexString())).toBeNull();
  });

  it('retention removes jobs finished long ago with their items, and nothing live', async () => {
    const workspaceId = newObjectId();
    const day = 86_400_000;
    const now = new Date(Date.now() + 100 * day);
    const old = await createBulkJob(ctx.db.models, { workspaceId, spec, createdBy: 'test' });
    const live = await createBulkJob(ctx.db.models, { workspaceId, spec, createdBy: 'test' });
    await cancelBulkJob(ctx.db.models, workspaceId, old._id, new Date(now.getTime() - 40 * day));
    await recordBulkItem(ctx.db.models, {
      jobId: old._id,
      sourceId: newObjectId(),
      planned: [],
      outcome: 'done',
      message: null,
    });
    await recordBulkItem(ctx.db.models, {
      jobId: live._id,
      sourceId: newObjectId(),
      planned: [],
      outcome: 'done',
      message: null,
    });
    const result = await pruneBulkJobs(ctx.db.models, 30 * day, { now });
    expect(result.deleted).toBeGreaterThanOrEqual(1);
    expect(await findBulkJob(ctx.db.models, workspaceId, old._id.toHexString())).toBeNull();
    expect(await ctx.db.models.BulkJobItem.countDocuments({ jobId: old._id }).exec()).toBe(0);
    expect((await findBulkJob(ctx.db.models, workspaceId, live._id.toHexString()))?.status).toBe('queued');
    expect(await ctx.db.models.BulkJobItem.countDocuments({ jobId: live._id }).exec()).toBe(1);
  });
});
