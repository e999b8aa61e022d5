import { type Collection, MongoBulkWriteError, MongoClient, MongoServerError } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../src/test-db.js';
import { isMongoJavaServer, itUnlessEmbedded } from './fixtures/server-kind.js';

/**
 * Conditional writes Weft relies on: version-checked updates (scenario saves, run state),
 * `$push` of step results onto a run, positional updates of one step, and upserts on a unique
 * key (webhook deliveries) — all under contention from separate connections.
 */

const WRITERS = 8;
const INCREMENTS = 25;

const db = testDatabase();
const embedded = await isMongoJavaServer(db.serverUri);
const gap = itUnlessEmbedded(embedded);
const clients = Array.from({ length: WRITERS }, () => new MongoClient(db.serverUri, { maxPoolSize: 1 }));
const coll = <T extends { _id: string }>(client: MongoClient, name: string): Collection<T> =>
  client.db(db.dbName).collection<T>(name);

beforeAll(async () => {
  await Promise.all(clients.map((c) => c.connect()));
  await Promise.all(clients.map((c) => c.db(db.dbName).command({ ping: 1 })));
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
});

interface Counter {
  _id: string;
  value: number;
  version: number;
  lastWriter?: number;
}

interface Step {
  nodeId: string;
  status: string;
  attempts: number;
  writer?: number;
}

interface Run {
  _id: string;
  owner?: string;
  steps: Step[];
}

const client0Runs = () => coll<Run>(clients[0]!, 'runs');

describe('contract: compare-and-set with a version field', () => {
  it('a stale writer matches and modifies nothing', async () => {
    const counters = coll<Counter>(clients[0]!, 'counters');
    await counters.insertOne({ _id: 'stale', value: 0, version: 0 });
    const seenByA = await counters.findOne({ _id: 'stale' });
    const seenByB = await counters.findOne({ _id: 'stale' });
    const a = await counters.updateOne(
      { _id: 'stale', version: seenByA!.version },
      { $set: { value: seenByA!.value + 1, lastWriter: 1 }, $inc: { version: 1 } },
    );
    expect(a).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    const b = await counters.updateOne(
      { _id: 'stale', version: seenByB!.version },
      { $set: { value: seenByB!.value + 1, lastWriter: 2 }, $inc: { version: 1 } },
    );
    expect(b).toMatchObject({ matchedCount: 0, modifiedCount: 0 });
    expect(await counters.findOne({ _id: 'stale' })).toEqual({
      _id: 'stale',
      value: 1,
      version: 1,
      lastWriter: 1,
    });
  });

  it(`${WRITERS} writers × ${INCREMENTS} read-then-CAS increments lose no update`, async () => {
    await coll<Counter>(clients[0]!, 'counters').insertOne({ _id: 'hot', value: 0, version: 0 });
    let successes = 0;
    let conflicts = 0;
    await Promise.all(
      clients.map(async (client, writer) => {
        const counters = coll<Counter>(client, 'counters');
        for (let done = 0; done < INCREMENTS; ) {
          const current = await counters.findOne({ _id: 'hot' });
          if (!current) throw new Error('counter vanished');
          const result = await counters.updateOne(
            { _id: 'hot', version: current.version },
            { $set: { value: current.value + 1, lastWriter: writer }, $inc: { version: 1 } },
          );
          expect(result.matchedCount).toBe(result.modifiedCount);
          if (result.modifiedCount === 1) {
            successes++;
            done++;
          } else {
            conflicts++;
          }
        }
      }),
    );
    const final = await coll<Counter>(clients[0]!, 'counters').findOne({ _id: 'hot' });
    expect(successes).toBe(WRITERS * INCREMENTS);
    expect(final).toMatchObject({ value: WRITERS * INCREMENTS, version: WRITERS * INCREMENTS });
    // Not a contract, but the test is only meaningful if writers actually collided.
    expect(conflicts, 'stale CAS attempts (there should be contention)').toBeGreaterThan(0);
  });
});

describe('contract: appending and updating step results in an array', () => {
  it('concurrent conditional $push from separate connections keeps every element once', async () => {
    const runs = coll<Run>(clients[0]!, 'runs');
    await runs.insertOne({ _id: 'run-push', steps: [] });
    const nodeIds = Array.from({ length: 40 }, (_, i) => `node-${i}`);
    // Every node result is pushed twice by different writers at once; the condition
    // `steps.nodeId $ne` lets only the first of each pair through.
    const attempts = nodeIds.flatMap((nodeId, i) => [
      { nodeId, writer: i % WRITERS },
      { nodeId, writer: (i + 1) % WRITERS },
    ]);
    const results = await Promise.all(
      attempts.map(({ nodeId, writer }) =>
        coll<Run>(clients[writer]!, 'runs').updateOne(
          { _id: 'run-push', 'steps.nodeId': { $ne: nodeId } },
          { $push: { steps: { nodeId, status: 'succeeded', attempts: 1, writer } } },
        ),
      ),
    );
    expect(results.reduce((n, r) => n + r.modifiedCount, 0)).toBe(nodeIds.length);
    const run = await runs.findOne({ _id: 'run-push' });
    expect(run!.steps).toHaveLength(nodeIds.length);
    expect(new Set(run!.steps.map((s) => s.nodeId))).toEqual(new Set(nodeIds));
  });

  it('the positional operator $ updates exactly the matched element', async () => {
    const runs = coll<Run>(clients[0]!, 'runs');
    await runs.insertOne({
      _id: 'run-positional',
      steps: ['a', 'b', 'c'].map((nodeId) => ({ nodeId, status: 'running', attempts: 1 })),
    });
    const result = await runs.updateOne(
      { _id: 'run-positional', 'steps.nodeId': 'b' },
      { $set: { 'steps.$.status': 'failed' }, $inc: { 'steps.$.attempts': 1 } },
    );
    expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    const run = await runs.findOne({ _id: 'run-positional' });
    expect(run!.steps).toEqual([
      { nodeId: 'a', status: 'running', attempts: 1 },
      { nodeId: 'b', status: 'failed', attempts: 2 },
      { nodeId: 'c', status: 'running', attempts: 1 },
    ]);
  });

  it("`$set: { 'steps.$': step }` replaces the matched element whole, guarded by a lease condition", async () => {
    const runs = client0Runs();
    await runs.insertOne({
      _id: 'run-replace-step',
      owner: 'w1',
      steps: ['a', 'b'].map((nodeId) => ({ nodeId, status: 'pending', attempts: 0 })),
    } as Run);
    const step = { nodeId: 'b', status: 'succeeded', attempts: 1, output: { ok: true } };
    const ok = await runs.updateOne({ _id: 'run-replace-step', owner: 'w1', 'steps.nodeId': 'b' } as object, {
      $set: { 'steps.$': step },
    });
    expect(ok).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    const lost = await runs.updateOne(
      { _id: 'run-replace-step', owner: 'w2', 'steps.nodeId': 'a' } as object,
      { $set: { 'steps.$': { nodeId: 'a', status: 'succeeded', attempts: 9 } } },
    );
    expect(lost).toMatchObject({ matchedCount: 0, modifiedCount: 0 });
    expect((await runs.findOne({ _id: 'run-replace-step' }))!.steps).toEqual([
      { nodeId: 'a', status: 'pending', attempts: 0 },
      step,
    ]);
  });

  it('concurrent positional updates of different elements lose none', async () => {
    const runs = coll<Run>(clients[0]!, 'runs');
    const nodeIds = Array.from({ length: 30 }, (_, i) => `n${i}`);
    await runs.insertOne({
      _id: 'run-positional-many',
      steps: nodeIds.map((nodeId) => ({ nodeId, status: 'running', attempts: 0 })),
    });
    await Promise.all(
      nodeIds.flatMap((nodeId, i) =>
        [0, 1, 2].map((k) =>
          coll<Run>(clients[(i + k) % WRITERS]!, 'runs').updateOne(
            { _id: 'run-positional-many', 'steps.nodeId': nodeId },
            { $inc: { 'steps.$.attempts': 1 }, $set: { 'steps.$.status': 'succeeded' } },
          ),
        ),
      ),
    );
    const run = await runs.findOne({ _id: 'run-positional-many' });
    expect(run!.steps).toEqual(nodeIds.map((nodeId) => ({ nodeId, status: 'succeeded', attempts: 3 })));
  });

  it('the filtered positional operator $[id] with arrayFilters updates only matching elements', async () => {
    const runs = coll<Run>(clients[0]!, 'runs');
    await runs.insertOne({
      _id: 'run-array-filters',
      steps: [
        { nodeId: 'a', status: 'running', attempts: 1 },
        { nodeId: 'b', status: 'succeeded', attempts: 1 },
        { nodeId: 'c', status: 'running', attempts: 2 },
      ],
    });
    const result = await runs.updateOne(
      { _id: 'run-array-filters' },
      { $set: { 'steps.$[s].status': 'cancelled' } },
      { arrayFilters: [{ 's.status': 'running' }] },
    );
    expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    const run = await runs.findOne({ _id: 'run-array-filters' });
    expect(run!.steps.map((s) => s.status)).toEqual(['cancelled', 'succeeded', 'cancelled']);
  });
});

describe('contract: update operators and bulk inserts the repositories use', () => {
  it('$min keeps the earliest date and $inc counts every claim', async () => {
    const runs = clients[0]!
      .db(db.dbName)
      .collection<{ _id: string; startedAt?: Date; claims: number }>('claims');
    await runs.insertOne({ _id: 'r', claims: 0 });
    const t1 = new Date('2026-01-01T00:00:10Z');
    const t0 = new Date('2026-01-01T00:00:05Z');
    const t2 = new Date('2026-01-01T00:00:20Z');
    for (const t of [t1, t0, t2])
      await runs.updateOne({ _id: 'r' }, { $min: { startedAt: t }, $inc: { claims: 1 } });
    expect(await runs.findOne({ _id: 'r' })).toEqual({ _id: 'r', startedAt: t0, claims: 3 });
  });

  it('insertMany({ ordered: false }) inserts the new documents and reports each duplicate as 11000', async () => {
    const docs = clients[0]!.db(db.dbName).collection<{ _id: string; n: number }>('bulk');
    await docs.insertMany([
      { _id: 'b', n: 0 },
      { _id: 'd', n: 0 },
    ]);
    const error = await docs
      .insertMany(
        ['a', 'b', 'c', 'd', 'e'].map((_id) => ({ _id, n: 1 })),
        { ordered: false },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoBulkWriteError);
    const bulk = error as MongoBulkWriteError;
    const writeErrors = Array.isArray(bulk.writeErrors) ? bulk.writeErrors : [bulk.writeErrors];
    expect(writeErrors.map((e) => [e.code, e.index]).sort()).toEqual([
      [11000, 1],
      [11000, 3],
    ]);
    expect(await docs.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 'a', n: 1 },
      { _id: 'b', n: 0 },
      { _id: 'c', n: 1 },
      { _id: 'd', n: 0 },
      { _id: 'e', n: 1 },
    ]);
  });
});

describe(`MongoDB behaviour the embedded server lacks${embedded ? ' (it.fails here)' : ''}`, () => {
  // mongo-java-server 1.47.0 answers an insert with `n` = documents sent, not documents inserted
  // (ordered: false with 2 duplicates of 5 → n: 5; ordered: true stopping at index 1 of 3 → n: 3).
  // Weft's repositories read writeErrors only, never insertedCount.
  gap('insertMany with duplicates reports insertedCount = documents actually inserted', async () => {
    const docs = clients[0]!.db(db.dbName).collection<{ _id: string }>('bulk-count');
    await docs.insertOne({ _id: 'b' });
    const error = await docs
      .insertMany([{ _id: 'a' }, { _id: 'b' }, { _id: 'c' }], { ordered: false })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoBulkWriteError);
    expect((error as MongoBulkWriteError).insertedCount).toBe(2);
  });
});

describe('contract: upsert on a unique key under concurrency', () => {
  it('a sparse unique index constrains only documents that have the field', async () => {
    // E.g. agendaJobs { 'data.runId': 1 } unique+sparse: one job per run, other jobs unaffected.
    const jobs = clients[0]!
      .db(db.dbName)
      .collection<{ name: string; data: { runId?: string } }>('sparse-jobs');
    await jobs.createIndex({ 'data.runId': 1 }, { unique: true, sparse: true });
    await jobs.insertMany([
      { name: 'schedule', data: {} },
      { name: 'schedule', data: {} },
      { name: 'run', data: { runId: 'r1' } },
    ]);
    const error = await jobs.insertOne({ name: 'run', data: { runId: 'r1' } }).catch((e: unknown) => e);
    expect((error as MongoServerError).code).toBe(11000);
    expect(await jobs.countDocuments()).toBe(3);
  });

  it('concurrent findOneAndUpdate upserts of one key create exactly one document', async () => {
    const deliveries = coll<{ _id: string; appId: string; deliveryId: string; firstWriter: number }>(
      clients[0]!,
      'deliveries',
    );
    await deliveries.createIndex({ appId: 1, deliveryId: 1 }, { unique: true });
    for (let round = 0; round < 10; round++) {
      const deliveryId = `d-${round}`;
      const outcomes = await Promise.all(
        clients.map((client, writer) =>
          client
            .db(db.dbName)
            .collection('deliveries')
            .findOneAndUpdate(
              { appId: 'app', deliveryId },
              { $setOnInsert: { appId: 'app', deliveryId, firstWriter: writer } },
              { upsert: true, returnDocument: 'after' },
            )
            .then(
              (doc) => ({ doc, error: undefined }),
              (error: unknown) => ({ doc: null, error }),
            ),
        ),
      );
      const errors = outcomes.filter((o) => o.error !== undefined).map((o) => o.error);
      // MongoDB ≥ 4.2 retries an upsert that lost the race on the unique index itself, so no
      // caller sees a duplicate key error; every caller gets the one document.
      expect(
        errors.map((e) => (e instanceof MongoServerError ? `${e.code} ${e.message}` : String(e))),
      ).toEqual([]);
      const ids = new Set(outcomes.map((o) => String(o.doc?._id)));
      expect(ids.size).toBe(1);
      expect(await deliveries.countDocuments({ appId: 'app', deliveryId })).toBe(1);
      const stored = await deliveries.findOne({ appId: 'app', deliveryId });
      expect(outcomes.map((o) => o.doc?.firstWriter)).toEqual(Array(WRITERS).fill(stored!.firstWriter));
    }
  });
});
