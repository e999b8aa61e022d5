import type { FlowControl } from '@weft/core';
import { testDatabase } from '@weft/devdb/test-db';
import type { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  admitConcurrency,
  admitDebounce,
  admitThrottle,
  claimQueuedRun,
  claimRun,
  connectDatabase,
  createRuns,
  type Database,
  finishRun,
  newObjectId,
  newRunOfVersion,
  pruneSchedulingState,
  requestCancel,
  type RunDoc,
} from '../src/index.js';
import { useDatabase } from './setup.js';

const ctx = useDatabase();
let second: Database;

beforeAll(async () => {
  // A second connection pool to the same database: a second runner.
  const target = testDatabase();
  second = await connectDatabase(target.serverUri, { dbName: ctx.db.connection.name, syncIndexes: false });
});
afterAll(async () => {
  await second.close();
});

const workspaceId = newObjectId();

function versionOf(flowControl: FlowControl) {
  return {
    _id: newObjectId(),
    workspaceId,
    scenarioId: newObjectId(),
    version: 1,
    nodes: [{ id: 'start', type: 'trigger.manual', position: { x: 0, y: 0 }, config: {} }],
    flowControl,
  } as const;
}

/** Creates one run per input, each a millisecond after the previous (their creation order). */
async function createFlowRuns(version: ReturnType<typeof versionOf>, inputs: unknown[], start = Date.now()) {
  const ids: Types.ObjectId[] = [];
  for (const [i, input] of inputs.entries()) {
    const run = await newRunOfVersion(version as never, { id: newObjectId(), kind: 'manual', correlationId: 'c', input });
    await createRuns(ctx.db.models, [run], new Date(start + i));
    ids.push(run._id!);
  }
  return ids;
}

const getRun = async (id: Types.ObjectId) => (await ctx.db.models.Run.findById(id).lean<RunDoc>().exec())!;

describe('runs of a flow-controlled version', () => {
  it('are created waiting in their first stage with their keys, and no claim takes them', async () => {
    const version = versionOf({
      throttle: { key: 'trigger.customer', count: 1, periodMs: 1_000 },
      concurrency: { key: 'trigger.customer', limit: 1 },
    });
    const [id] = await createFlowRuns(version, [{ customer: 'c-9' }]);
    const run = await getRun(id!);
    expect(run.status).toBe('queued');
    expect(run.waitingFor).toBe('throttle');
    expect(run.flow).toEqual({
      throttle: { key: 'c-9', count: 1, periodMs: 1_000 },
      concurrency: { key: 'c-9', limit: 1 },
    });
    const claim = { owner: 'r1', leaseMs: 30_000 };
    expect(await claimQueuedRun(ctx.db.models, [id!], claim)).toBeNull();
    expect(await claimRun(ctx.db.models, id!, claim)).toBeNull();
  });

  it('is created failed when its key cannot be computed, the error naming the field', async () => {
    const version = versionOf({ concurrency: { key: '$number(trigger.customer)', limit: 1 } });
    const [id] = await createFlowRuns(version, [{ customer: 'not a number' }]);
    const run = await getRun(id!);
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'flow_key_failed' });
    expect(run.error?.message).toMatch(/^flowControl\.concurrency\.key: /);
    expect(run.finishedAt).toBeInstanceOf(Date);
  });

  it('records the failure handler of a run created failed as pending (the sweep starts it)', async () => {
    const handler = newObjectId();
    const version = { ...versionOf({ concurrency: { key: '$number(trigger.n)', limit: 1 } }), onFailure: handler };
    const [id] = await createFlowRuns(version as never, [{ n: 'x' }]);
    const run = await getRun(id!);
    expect(run.status).toBe('failed');
    expect(run.failureHandler).toMatchObject({ scenarioId: handler, pending: true, error: null });
  });
});

describe('replays', () => {
  it('are not debounced again, but keep to the other limits', async () => {
    const version = versionOf({
      debounce: { key: 'trigger.key', periodMs: 500, maxWaitMs: 1_000, mode: 'all' },
      concurrency: { key: 'trigger[0].key', limit: 1 },
    });
    const replay = await newRunOfVersion(version as never, {
      id: newObjectId(),
      kind: 'replay',
      correlationId: 'c',
      input: [{ key: 'k' }, { key: 'k' }],
    });
    await createRuns(ctx.db.models, [replay]);
    const run = await getRun(replay._id!);
    expect(run.waitingFor).toBe('concurrency');
    expect(run.flow).toEqual({ concurrency: { key: 'k', limit: 1 } });
  });
});

describe('concurrency', () => {
  it('never lets more than the limit of a key run, and at limit 1 runs them in creation order, with two runners', async () => {
    const version = versionOf({ concurrency: { key: 'trigger.key', limit: 1 } });
    const inputs = Array.from({ length: 24 }, (_, i) => ({ key: i % 2 === 0 ? 'a' : 'b', i }));
    const ids = await createFlowRuns(version, inputs);
    const scenarioId = version.scenarioId;
    const running = new Map<string, number>();
    let maxRunning = 0;
    const started: Record<string, number[]> = { a: [], b: [] };
    let done = 0;

    const runner = async (db: Database, owner: string) => {
      for (let idle = 0; done < ids.length && idle < 2_000; ) {
        const admitted = (
          await Promise.all(['a', 'b'].map((key) => admitConcurrency(db.models, scenarioId, key)))
        ).flat();
        if (admitted.length === 0) {
          idle++;
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
        await Promise.all(
          admitted.map(async (ref) => {
            const run = await claimQueuedRun(db.models, [ref.id], { owner, leaseMs: 30_000 });
            if (!run) return;
            const key = (run.input as { key: string }).key;
            running.set(key, (running.get(key) ?? 0) + 1);
            maxRunning = Math.max(maxRunning, running.get(key)!);
            started[key]!.push((run.input as { i: number }).i);
            await new Promise((resolve) => setTimeout(resolve, 3));
            running.set(key, running.get(key)! - 1);
            await finishRun(db.models, run._id, owner, { status: 'succeeded' });
            done++;
          }),
        );
      }
    };
    await Promise.all([runner(ctx.db, 'r1'), runner(second, 'r2')]);

    expect(done).toBe(ids.length);
    expect(maxRunning).toBe(1);
    expect(started.a).toEqual(inputs.filter((x) => x.key === 'a').map((x) => x.i));
    expect(started.b).toEqual(inputs.filter((x) => x.key === 'b').map((x) => x.i));
    // Each run was claimed once: no run ran twice.
    const runs = await ctx.db.models.Run.find({ _id: { $in: ids } }).lean<RunDoc[]>().exec();
    expect(runs.map((r) => r.claims)).toEqual(ids.map(() => 1));
  });

  it('admits up to the limit at once, from concurrent admitters', async () => {
    const version = versionOf({ concurrency: { key: 'trigger.key', limit: 3 } });
    const ids = await createFlowRuns(version, Array.from({ length: 10 }, () => ({ key: 'k' })));
    const admitted = (
      await Promise.all(
        Array.from({ length: 8 }, (_, i) => admitConcurrency((i % 2 ? second : ctx.db).models, version.scenarioId, 'k')),
      )
    ).flat();
    expect(admitted.map((r) => r.id.toHexString()).sort()).toEqual(ids.slice(0, 3).map(String).sort());
    const open = await ctx.db.models.Run.countDocuments({ _id: { $in: ids }, waitingFor: null, status: 'queued' });
    expect(open).toBe(3);
  });

  it('gives the place of a run that became final by any way to the next (no leak after a runner died)', async () => {
    const version = versionOf({ concurrency: { key: 'trigger.key', limit: 1 } });
    const [first, next, third] = await createFlowRuns(version, [{ key: 'k' }, { key: 'k' }, { key: 'k' }]);
    const models = ctx.db.models;
    expect((await admitConcurrency(models, version.scenarioId, 'k')).map((r) => r.id)).toEqual([first]);
    // Its runner claims it and dies: the lease runs out, another runner takes it over and finishes it.
    const t0 = new Date();
    await claimRun(models, first!, { owner: 'dead', leaseMs: 10, now: t0 });
    expect(await admitConcurrency(models, version.scenarioId, 'k')).toEqual([]);
    const later = new Date(t0.getTime() + 1_000);
    const taken = await claimRun(models, first!, { owner: 'heir', leaseMs: 30_000, now: later });
    expect(taken?.leaseOwner).toBe('heir');
    expect(await admitConcurrency(models, version.scenarioId, 'k')).toEqual([]);
    await finishRun(models, first!, 'heir', { status: 'failed' });
    expect((await admitConcurrency(models, version.scenarioId, 'k')).map((r) => r.id)).toEqual([next]);
    // A holder cancelled before it was claimed frees its place too.
    expect(await requestCancel(models, workspaceId, next!)).toBe('cancelled');
    expect((await admitConcurrency(models, version.scenarioId, 'k')).map((r) => r.id)).toEqual([third]);
  });
});

describe('throttle', () => {
  it('lets at most count runs of a key go per window, shared by two runners', async () => {
    const version = versionOf({
      throttle: { key: 'trigger.key', count: 3, periodMs: 1_000 },
      concurrency: { key: 'trigger.key', limit: 1 },
    });
    const ids = await createFlowRuns(version, Array.from({ length: 7 }, () => ({ key: 'k' })));
    const t = new Date(Math.ceil(Date.now() / 1_000) * 1_000 + 10_000);
    const first = await Promise.all([
      admitThrottle(ctx.db.models, version.scenarioId, 'k', t),
      admitThrottle(second.models, version.scenarioId, 'k', t),
    ]);
    const firstIds = first.flatMap((r) => r.admitted.map((a) => a.id.toHexString()));
    expect(firstIds.sort()).toEqual(ids.slice(0, 3).map(String).sort());
    expect(first.every((r) => r.admitted.every((a) => a.waitingFor === 'concurrency'))).toBe(true);
    expect(first.map((r) => r.retryAt?.getTime())).toEqual([t.getTime() + 1_000, t.getTime() + 1_000]);
    // Still the same window: nothing more.
    expect((await admitThrottle(ctx.db.models, version.scenarioId, 'k', new Date(t.getTime() + 999))).admitted).toEqual([]);
    const next = await admitThrottle(second.models, version.scenarioId, 'k', new Date(t.getTime() + 1_000));
    expect(next.admitted.map((a) => a.id)).toEqual(ids.slice(3, 6));
    const last = await admitThrottle(ctx.db.models, version.scenarioId, 'k', new Date(t.getTime() + 2_500));
    expect(last).toEqual({ admitted: [expect.objectContaining({ id: ids[6] })], retryAt: null });
    const windows = (await ctx.db.models.Run.find({ _id: { $in: ids } }).lean<RunDoc[]>().exec()).map((r) =>
      r.flow?.throttleWindow?.getTime(),
    );
    expect(windows).toEqual([0, 0, 0, 1, 1, 1, 2].map((n) => t.getTime() + n * 1_000));
  });
});

describe('debounce', () => {
  it('mode last: once quiet for periodMs, only the latest run goes on; the others are superseded', async () => {
    const version = versionOf({ debounce: { key: 'trigger.key', periodMs: 500, maxWaitMs: 5_000, mode: 'last' } });
    const start = Date.now();
    const ids = await createFlowRuns(version, [{ key: 'k', n: 1 }, { key: 'k', n: 2 }, { key: 'k', n: 3 }], start);
    const early = await admitDebounce(ctx.db.models, version.scenarioId, 'k', new Date(start + 100));
    expect(early).toEqual({ admitted: [], dueAt: new Date(start + 2 + 500) });
    const due = await Promise.all([
      admitDebounce(ctx.db.models, version.scenarioId, 'k', new Date(start + 502)),
      admitDebounce(second.models, version.scenarioId, 'k', new Date(start + 502)),
    ]);
    expect(due.flatMap((r) => r.admitted.map((a) => a.id))).toEqual([ids[2]]);
    const runs = await Promise.all(ids.map(getRun));
    expect(runs.map((r) => [r.status, r.waitingFor ?? null])).toEqual([
      ['cancelled', null],
      ['cancelled', null],
      ['queued', null],
    ]);
    expect(runs[0]!.flow?.supersededBy).toEqual(ids[2]);
    expect(runs[0]!.error?.code).toBe('debounced');
    expect(runs[2]!.input).toEqual({ key: 'k', n: 3 });
  });

  it('mode all: the run gets every input of its batch; maxWaitMs bounds the wait', async () => {
    const version = versionOf({ debounce: { key: 'trigger.key', periodMs: 500, maxWaitMs: 1_000, mode: 'all' } });
    const start = Date.now();
    const ids: Types.ObjectId[] = [];
    for (const [i, at] of [0, 400, 800].entries())
      ids.push(...(await createFlowRuns(version, [{ key: 'k', n: i }], start + at)));
    // Arrivals keep coming every 400 ms, but the first was 1 s ago: due now.
    const due = await admitDebounce(ctx.db.models, version.scenarioId, 'k', new Date(start + 1_000));
    expect(due.admitted.map((a) => a.id)).toEqual([ids[2]]);
    const run = await getRun(ids[2]!);
    expect(run.input).toEqual([{ key: 'k', n: 0 }, { key: 'k', n: 1 }, { key: 'k', n: 2 }]);
    expect(run.flow?.collected).toBe(3);
  });
});

describe('retention of flow state', () => {
  it('removes slots no run held for a day and throttle windows over for sure, nothing else', async () => {
    const models = ctx.db.models;
    const now = new Date();
    const old = new Date(now.getTime() - 9 * 86_400_000);
    const held = newObjectId();
    await models.FlowSlot.insertMany([
      { _id: 'retention:empty-old', v: 3, holders: [], updatedAt: old },
      { _id: 'retention:held-old', v: 3, holders: [held], updatedAt: old },
      { _id: 'retention:empty-new', v: 3, holders: [], updatedAt: now },
    ]);
    await models.FlowWindow.insertMany([
      { _id: 'retention:over', windowStart: old, count: 2, updatedAt: old },
      // Last counted 6 days ago: a 7-day window may still be open.
      { _id: 'retention:maybe-open', windowStart: old, count: 2, updatedAt: new Date(now.getTime() - 6 * 86_400_000) },
    ]);
    const pruned = await pruneSchedulingState(models, null, { now });
    expect(pruned.flow).toBe(2);
    const slots = await models.FlowSlot.find({ _id: { $regex: '^retention:' } }).lean().exec();
    expect(slots.map((slot) => slot._id).sort()).toEqual(['retention:empty-new', 'retention:held-old']);
    const windows = await models.FlowWindow.find({ _id: { $regex: '^retention:' } }).lean().exec();
    expect(windows.map((window) => window._id)).toEqual(['retention:maybe-open']);
  });
});
