import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Collection, type Document, type Filter, MongoClient, ObjectId, type Sort } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedMongo } from '../src/index.js';
import { testDatabase } from '../src/test-db.js';
import { isMongoJavaServer } from './fixtures/server-kind.js';

/**
 * Secondary indexes (packages/devdb README, "Secondary indexes"): the embedded server keeps real
 * ordered indexes and walks them for sorted pages. These tests prove the indexed answers are
 * exactly the unindexed ones: against a reference computed here (MongoDB's comparison and
 * type-bracketing rules for the value types used) and, on the embedded server, against a twin
 * collection without indexes that received the same writes in the same order (the stock scan,
 * ties in the same order too). One test proves the index is used, through `explain`, which the
 * embedded server answers for `find` in MongoDB's shape. No timings.
 */

const db = testDatabase();
const embedded = await isMongoJavaServer(db.serverUri);
const client = new MongoClient(db.serverUri);

beforeAll(() => client.connect());
afterAll(() => client.close());

type Value = null | undefined | number | string | boolean | Date | ObjectId | unknown[];
interface Run {
  _id: ObjectId;
  n: number;
  workspaceId?: Value;
  scenarioId?: Value;
  status?: Value;
  createdAt?: Value;
  note?: string;
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness: a failing seed can be replayed (WEFT_TEST_SEED).

const seed = Number(process.env.WEFT_TEST_SEED ?? Date.now() % 1_000_000);
function mulberry32(a: number) {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
const random = mulberry32(seed);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
const chance = (p: number) => random() < p;

// ---------------------------------------------------------------------------------------------
// MongoDB's comparison order and matching for the value types used here.

function rank(v: Value): number {
  if (v === null || v === undefined) return 1;
  if (typeof v === 'number') return 2;
  if (typeof v === 'string') return 3;
  if (Array.isArray(v)) return 5;
  if (v instanceof ObjectId) return 8;
  if (typeof v === 'boolean') return 9;
  if (v instanceof Date) return 10;
  throw new Error(`unexpected value ${String(v)}`);
}

function compare(a: Value, b: Value): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (a instanceof ObjectId && b instanceof ObjectId) {
    const x = a.toHexString();
    const y = b.toHexString();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  return 0;
}

const isNull = (v: Value) => v === null || v === undefined;
const equals = (a: Value, b: Value) =>
  (isNull(a) && isNull(b)) || (rank(a) === rank(b) && compare(a, b) === 0);
/** `$lt`/`$gt`: never across types, never null. */
const less = (a: Value, b: Value) => !isNull(a) && !isNull(b) && rank(a) === rank(b) && compare(a, b) < 0;

type Direction = 1 | -1;

function sortRuns(runs: Run[], direction: Direction): Run[] {
  return [...runs].sort((x, y) => direction * (compare(x.createdAt, y.createdAt) || compare(x._id, y._id)));
}

/** The keyset condition of packages/db (afterCursor): after (t, id) in the list's direction. */
function afterCursor(last: Run, direction: Direction): Filter<Run> {
  const op = direction === -1 ? '$lt' : '$gt';
  const t = last.createdAt ?? null;
  return { $or: [{ createdAt: { [op]: t } }, { createdAt: t, _id: { [op]: last._id } }] } as Filter<Run>;
}

function isAfterCursor(run: Run, last: Run, direction: Direction): boolean {
  const t = last.createdAt ?? null;
  const before = (a: Value, b: Value) => (direction === -1 ? less(a, b) : less(b, a));
  return before(run.createdAt, t) || (equals(run.createdAt, t) && before(run._id, last._id));
}

// ---------------------------------------------------------------------------------------------
// The data: three workspaces' runs with ties on createdAt; the third with nulls, missing fields
// and numbers among the dates (mixed types).

const workspaces = [new ObjectId(), new ObjectId(), new ObjectId()] as const;
const scenarios = [new ObjectId(), new ObjectId(), new ObjectId(), new ObjectId()];
const statuses = ['queued', 'running', 'succeeded', 'failed'] as const;
const base = Date.UTC(2030, 0, 1);
const times = Array.from({ length: 40 }, (_, i) => new Date(base + i * 60_000));
let serial = 0;

function newRun(): Run {
  const run: Run = { _id: new ObjectId(), n: serial++ };
  const ws = int(10);
  const mixed = ws >= 8;
  run.workspaceId = ws < 5 ? workspaces[0] : ws < 8 ? workspaces[1] : workspaces[2];
  if (mixed && chance(0.1)) run.workspaceId = null;
  if (mixed && chance(0.05)) delete run.workspaceId;
  run.scenarioId = pick(scenarios);
  if (mixed && chance(0.1)) run.scenarioId = chance(0.5) ? null : 'legacy';
  if (mixed && chance(0.05)) delete run.scenarioId;
  run.status = pick(statuses);
  if (mixed && chance(0.1)) run.status = chance(0.5) ? null : 7;
  if (mixed && chance(0.05)) delete run.status;
  run.createdAt = pick(times); // 40 distinct times: many ties
  if (mixed && chance(0.1)) run.createdAt = chance(0.5) ? null : int(5) + 0.5;
  if (mixed && chance(0.05)) delete run.createdAt;
  return run;
}

const RUN_INDEXES = [
  { workspaceId: 1, createdAt: -1, _id: -1 },
  { workspaceId: 1, scenarioId: 1, createdAt: -1, _id: -1 },
  { workspaceId: 1, status: 1, createdAt: -1, _id: -1 },
] as const;

/** Applies each write to the indexed collection and to its unindexed twin, in the same order. */
class Twins {
  constructor(
    readonly indexed: Collection<Run>,
    readonly plain: Collection<Run>,
  ) {}

  async insert(runs: Run[]) {
    await this.indexed.insertMany(runs.map((r) => ({ ...r })));
    await this.plain.insertMany(runs.map((r) => ({ ...r })));
  }

  async update(filter: Filter<Run>, update: Document, many = false) {
    const a = many
      ? await this.indexed.updateMany(filter, update)
      : await this.indexed.updateOne(filter, update);
    const b = many ? await this.plain.updateMany(filter, update) : await this.plain.updateOne(filter, update);
    expect(a.modifiedCount).toBe(b.modifiedCount);
  }

  async delete(filter: Filter<Run>) {
    const a = await this.indexed.deleteMany(filter);
    const b = await this.plain.deleteMany(filter);
    expect(a.deletedCount).toBe(b.deletedCount);
  }

  /** The current data, read from the unindexed twin (a scan). */
  all(): Promise<Run[]> {
    return this.plain.find({}).toArray();
  }
}

const ids = (runs: Run[]) => runs.map((r) => r._id.toHexString());

describe('secondary indexes: the runs list', () => {
  let twins: Twins;

  beforeAll(async () => {
    const database = client.db(db.dbName);
    twins = new Twins(database.collection<Run>('runs'), database.collection<Run>('runs_plain'));
    // Half the runs before the indexes exist (built from the stored documents), half after.
    await twins.insert(Array.from({ length: 400 }, newRun));
    for (const key of RUN_INDEXES) await twins.indexed.createIndex(key);
    // Indexes without _id at the end: ties on all their fields (ordered by place, as a scan).
    await twins.indexed.createIndex({ workspaceId: 1, createdAt: -1 });
    await twins.indexed.createIndex({ status: 1 });
    await twins.indexed.createIndex({ scenarioId: 1, status: 1 });
    await twins.insert(Array.from({ length: 400 }, newRun));
    // Updates that move runs in the indexes (new times, statuses, scenarios, workspaces), and ones
    // that leave every indexed field as it was (their entries stay where they are).
    const all = await twins.all();
    for (let i = 0; i < 150; i++) {
      const run = pick(all);
      const change = pick([
        { $set: { createdAt: pick(times) } },
        { $set: { status: pick(statuses) } },
        { $set: { scenarioId: pick(scenarios), createdAt: pick(times) } },
        { $set: { workspaceId: pick(workspaces) } },
        { $unset: { createdAt: '' } },
        { $set: { status: null } },
        { $set: { note: `touched ${i}` } },
        { $set: { status: run.status ?? null, note: 'same status' } },
      ]);
      await twins.update({ _id: run._id }, change);
    }
    // Deletes through an indexed filter, then inserts that reuse the freed places.
    await twins.delete({ workspaceId: workspaces[0], status: 'failed', createdAt: { $lt: times[20]! } });
    await twins.delete({ _id: { $in: all.slice(0, 30).map((r) => r._id) } });
    await twins.insert(Array.from({ length: 60 }, newRun));
    await twins.update(
      { workspaceId: workspaces[1], status: 'queued' },
      { $set: { status: 'running' } },
      true,
    );
  });

  it(`returns each keyset page exactly as the reference, walking every list to its end (seed ${seed})`, async () => {
    const data = await twins.all();
    const lists: { name: string; filter: Filter<Run>; keep: (r: Run) => boolean }[] = [];
    for (const ws of [...workspaces, null]) {
      const inWs = (r: Run) => equals(r.workspaceId, ws);
      lists.push({ name: `ws ${ws}`, filter: { workspaceId: ws }, keep: inWs });
      for (const scenario of [scenarios[0]!, 'legacy', null])
        lists.push({
          name: `ws ${ws} scenario ${scenario}`,
          filter: { workspaceId: ws, scenarioId: scenario },
          keep: (r) => inWs(r) && equals(r.scenarioId, scenario),
        });
      for (const status of ['failed', 'running', 7, null])
        lists.push({
          name: `ws ${ws} status ${status}`,
          filter: { workspaceId: ws, status },
          keep: (r) => inWs(r) && equals(r.status, status),
        });
    }
    let pagesRead = 0;
    for (const { name, filter, keep } of lists) {
      for (const direction of [-1, 1] as const) {
        for (const size of [1, 7, 50]) {
          const expected = sortRuns(data.filter(keep), direction);
          const sort: Sort = { createdAt: direction, _id: direction };
          const walked: Run[] = [];
          let last: Run | undefined;
          for (;;) {
            // listRuns' shape: the conditions side by side.
            const query = last ? { ...filter, ...afterCursor(last, direction) } : filter;
            const page = await twins.indexed
              .find(query)
              .sort(sort)
              .limit(size + 1)
              .toArray();
            pagesRead++;
            const reference = expected
              .filter((r) => !last || isAfterCursor(r, last, direction))
              .slice(0, size + 1);
            expect(ids(page), `${name}, direction ${direction}, page size ${size}`).toEqual(ids(reference));
            if (embedded) {
              const plain = await twins.plain
                .find(query)
                .sort(sort)
                .limit(size + 1)
                .toArray();
              expect(page).toEqual(plain);
            }
            walked.push(...page.slice(0, size));
            if (page.length <= size) break;
            last = page[size - 1]!;
          }
          // With only dates (the first two workspaces), keyset pages walk the whole list; across
          // types a cursor's $lt/$gt stops at the type's end (type bracketing, as on MongoDB).
          const onlyDates = expected.every((r) => r.createdAt instanceof Date);
          if (onlyDates) expect(ids(walked), `${name}: the whole list`).toEqual(ids(expected));
        }
      }
    }
    expect(pagesRead).toBeGreaterThan(200);
    // Hundreds of round trips: a starved machine needs minutes, not a wrong answer.
  }, 600_000);

  it('skip and limit, both directions, as the reference', async () => {
    const data = await twins.all();
    for (let i = 0; i < 60; i++) {
      const ws = pick([...workspaces, null]);
      const direction = pick([-1, 1] as const);
      const skip = int(40);
      const limit = int(30);
      const expected = sortRuns(
        data.filter((r) => equals(r.workspaceId, ws)),
        direction,
      ).slice(skip, limit ? skip + limit : undefined);
      const got = await twins.indexed
        .find({ workspaceId: ws })
        .sort({ createdAt: direction, _id: direction })
        .skip(skip)
        .limit(limit)
        .toArray();
      expect(ids(got), `ws ${ws} direction ${direction} skip ${skip} limit ${limit}`).toEqual(ids(expected));
    }
  });

  it.runIf(embedded)(
    'random queries, sorts, skips, limits and projections: as the unindexed twin',
    async () => {
      const value = (field: 'workspaceId' | 'scenarioId' | 'status'): Value =>
        field === 'workspaceId'
          ? pick([...workspaces, null])
          : field === 'scenarioId'
            ? pick([...scenarios, 'legacy', null])
            : pick([...statuses, 7, null]);
      const condition = (field: 'workspaceId' | 'scenarioId' | 'status') =>
        pick([
          () => value(field),
          () => ({ $eq: value(field) }),
          () => ({ $in: [value(field), value(field)] }),
          () => ({ $ne: value(field) }),
        ])();
      const timeRange = () =>
        pick([
          () => ({ $lt: pick(times) }),
          () => ({ $gte: pick(times) }),
          () => ({ $gt: pick(times), $lte: pick(times) }),
          () => pick(times),
          () => ({ $lt: 3 }),
          () => null,
          () => ({ $in: [pick(times), pick(times), null] }),
        ])();
      const sorts: (Sort | undefined)[] = [
        { createdAt: -1, _id: -1 },
        { createdAt: 1, _id: 1 },
        { createdAt: -1 },
        { createdAt: 1 },
        { scenarioId: 1, createdAt: -1, _id: -1 },
        { status: -1, createdAt: 1, _id: 1 },
        { workspaceId: 1, createdAt: -1, _id: -1 },
        { workspaceId: -1, createdAt: 1 },
        { status: 1 },
        { status: -1 },
        { createdAt: -1, _id: 1 },
        { n: -1 },
        undefined,
      ];
      const someIds = (await twins.plain.find({}).limit(50).toArray()).map((r) => r._id);
      for (let i = 0; i < 400; i++) {
        const filter: Document = {};
        if (chance(0.9)) filter.workspaceId = condition('workspaceId');
        if (chance(0.3)) filter.scenarioId = condition('scenarioId');
        if (chance(0.3)) filter.status = condition('status');
        if (chance(0.3)) filter.createdAt = timeRange();
        if (chance(0.25)) {
          const t = pick(times);
          const id = pick(someIds);
          filter.$or = chance(0.5)
            ? [{ createdAt: { $lt: t } }, { createdAt: t, _id: { $lt: id } }]
            : [{ createdAt: { $gt: t } }, { createdAt: t, _id: { $gt: id } }];
        }
        if (chance(0.1)) filter.$and = [{ createdAt: { $gte: pick(times) } }, { status: { $ne: 'queued' } }];
        const sort = pick(sorts);
        const skip = chance(0.3) ? int(10) : 0;
        const limit = chance(0.8) ? 1 + int(60) : 0;
        const projection = chance(0.2) ? { createdAt: 1, status: 1 } : undefined;
        const run = (collection: Collection<Run>) => {
          let cursor = collection.find(filter as Filter<Run>, projection ? { projection } : {});
          if (sort) cursor = cursor.sort(sort);
          return cursor.skip(skip).limit(limit).toArray();
        };
        const what = JSON.stringify({ filter, sort, skip, limit, projection });
        expect(await run(twins.indexed), what).toEqual(await run(twins.plain));
        if (i % 20 === 0) {
          expect(await twins.indexed.countDocuments(filter as Filter<Run>), what).toBe(
            await twins.plain.countDocuments(filter as Filter<Run>),
          );
          expect(await twins.indexed.distinct('status', filter as Filter<Run>), what).toEqual(
            await twins.plain.distinct('status', filter as Filter<Run>),
          );
        }
      }
    },
  );

  it.runIf(embedded)('an unorderable value (an array) turns the index off until it is gone', async () => {
    const filter = { workspaceId: workspaces[0], status: 'running' };
    const plan = async () =>
      JSON.stringify(
        (await twins.indexed.find(filter).sort({ createdAt: -1, _id: -1 }).limit(5).explain('executionStats'))
          .queryPlanner.winningPlan,
      );
    expect(await plan()).toContain('workspaceId_1_status_1_createdAt_-1__id_-1');
    const odd = { ...newRun(), workspaceId: workspaces[0], status: ['running', 'queued'] };
    await twins.insert([odd]);
    expect(await plan()).not.toContain('workspaceId_1_status_1_createdAt_-1__id_-1');
    const page = (c: Collection<Run>) => c.find(filter).sort({ createdAt: -1, _id: -1 }).limit(20).toArray();
    expect(await page(twins.indexed)).toEqual(await page(twins.plain));
    await twins.delete({ _id: odd._id });
    expect(await plan()).toContain('workspaceId_1_status_1_createdAt_-1__id_-1');
    expect(await page(twins.indexed)).toEqual(await page(twins.plain));
  });

  it.runIf(embedded)('a dropped index is no longer used; queries stay right', async () => {
    const extra = await twins.indexed.createIndex({ status: 1, n: 1 });
    const query = () => twins.indexed.find({ status: 'failed' }).sort({ n: -1 }).limit(10);
    expect(JSON.stringify((await query().explain('executionStats')).queryPlanner)).toContain(extra);
    const before = await query().toArray();
    await twins.indexed.dropIndex(extra);
    expect(JSON.stringify((await query().explain('executionStats')).queryPlanner)).not.toContain(extra);
    expect(await query().toArray()).toEqual(before);
  });
});

describe('secondary indexes: a page reads only its own documents', () => {
  const RUNS = 20_000;
  const PAGE = 50;
  let runs: Collection<Run>;
  let middle: Run;

  beforeAll(async () => {
    runs = client.db(db.dbName).collection<Run>('runs_large');
    for (const key of RUN_INDEXES) await runs.createIndex(key);
    const docs: Run[] = Array.from({ length: RUNS }, (_, i) => ({
      _id: new ObjectId(),
      n: i,
      workspaceId: workspaces[i % 10 === 0 ? 1 : 0],
      scenarioId: scenarios[i % scenarios.length],
      status: statuses[i % statuses.length],
      createdAt: new Date(base + Math.floor(i / 2) * 1000),
    }));
    for (let i = 0; i < docs.length; i += 5_000) await runs.insertMany(docs.slice(i, i + 5_000));
    middle = docs[RUNS / 2]!;
  });

  async function explain(filter: Filter<Run>) {
    const plan = await runs
      .find(filter)
      .sort({ createdAt: -1, _id: -1 })
      .limit(PAGE + 1)
      .explain('executionStats');
    const stats = plan.executionStats as {
      nReturned: number;
      totalKeysExamined: number;
      totalDocsExamined: number;
    };
    return { plan: JSON.stringify(plan.queryPlanner.winningPlan), ...stats };
  }

  it('the first page, a deep cursor page and filtered pages: about limit + 1 documents examined', async () => {
    const cases: { filter: Filter<Run>; index: string }[] = [
      { filter: { workspaceId: workspaces[0] }, index: 'workspaceId_1_createdAt_-1__id_-1' },
      {
        filter: { workspaceId: workspaces[0], ...afterCursor(middle, -1) },
        index: 'workspaceId_1_createdAt_-1__id_-1',
      },
      {
        filter: { workspaceId: workspaces[0], scenarioId: scenarios[1], ...afterCursor(middle, -1) },
        index: 'workspaceId_1_scenarioId_1_createdAt_-1__id_-1',
      },
      {
        filter: { workspaceId: workspaces[0], status: 'failed' },
        index: 'workspaceId_1_status_1_createdAt_-1__id_-1',
      },
    ];
    for (const { filter, index } of cases) {
      const result = await explain(filter);
      expect(result.nReturned, JSON.stringify(filter)).toBe(PAGE + 1);
      expect(result.plan, JSON.stringify(filter)).toContain(index);
      expect(result.totalDocsExamined, JSON.stringify(filter)).toBeLessThanOrEqual(PAGE + 5);
      expect(result.totalKeysExamined, JSON.stringify(filter)).toBeLessThanOrEqual(PAGE + 5);
    }
    // A page no index fits reads the whole collection.
    const scan = await runs
      .find({ n: { $gte: 0 } })
      .sort({ n: -1 })
      .limit(PAGE + 1)
      .explain('executionStats');
    expect((scan.executionStats as { totalDocsExamined: number }).totalDocsExamined).toBe(RUNS);
  });
});

describe.runIf(embedded)('secondary indexes: the h2 backend', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'weft-devdb-index-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('uses its indexes, and rebuilds them from the stored documents after a restart', async () => {
    const dataFile = path.join(dir, 'weft.mv.db');
    const docs: Run[] = Array.from({ length: 3_000 }, (_, i) => ({
      _id: new ObjectId(),
      n: i,
      workspaceId: workspaces[i % 3],
      status: statuses[i % statuses.length],
      createdAt: times[i % times.length],
    }));
    const expected = (direction: Direction) =>
      ids(
        sortRuns(
          docs.filter((r) => equals(r.workspaceId, workspaces[0])),
          direction,
        ).slice(0, 21),
      );
    const check = async (uri: string) => {
      const c = new MongoClient(uri, { serverSelectionTimeoutMS: 30_000 });
      try {
        const runs = c.db('weft').collection<Run>('runs');
        for (const direction of [-1, 1] as const) {
          const cursor = () =>
            runs
              .find({ workspaceId: workspaces[0] })
              .sort({ createdAt: direction, _id: direction })
              .limit(21);
          expect(ids(await cursor().toArray())).toEqual(expected(direction));
          const plan = await cursor().explain('executionStats');
          expect(JSON.stringify(plan.queryPlanner.winningPlan)).toContain(
            'workspaceId_1_createdAt_-1__id_-1',
          );
          expect(
            (plan.executionStats as { totalDocsExamined: number }).totalDocsExamined,
          ).toBeLessThanOrEqual(25);
        }
      } finally {
        await c.close();
      }
    };

    const first = await startEmbeddedMongo({ backend: 'h2', dataFile, log: () => {} });
    try {
      const c = new MongoClient(first.uri, { serverSelectionTimeoutMS: 30_000 });
      try {
        const runs = c.db('weft').collection<Run>('runs');
        await runs.createIndex({ workspaceId: 1, createdAt: -1, _id: -1 });
        await runs.insertMany(docs);
        // An update that moves a run to the top of its list, and a delete.
        docs[3]!.createdAt = new Date(base + 86_400_000);
        await runs.updateOne({ _id: docs[3]!._id }, { $set: { createdAt: docs[3]!.createdAt } });
        await runs.deleteOne({ _id: docs[0]!._id });
        docs.shift();
      } finally {
        await c.close();
      }
      await check(first.uri);
    } finally {
      await first.stop();
    }

    const second = await startEmbeddedMongo({ backend: 'h2', dataFile, log: () => {} });
    try {
      // Writes first: the indexes are built on first use, here by an insert.
      const c = new MongoClient(second.uri, { serverSelectionTimeoutMS: 30_000 });
      try {
        const runs = c.db('weft').collection<Run>('runs');
        const newest: Run = {
          _id: new ObjectId(),
          n: -1,
          workspaceId: workspaces[0],
          createdAt: new Date(base + 2 * 86_400_000),
        };
        await runs.insertOne({ ...newest });
        docs.push(newest);
        docs[6]!.createdAt = new Date(base - 1);
        await runs.updateOne({ _id: docs[6]!._id }, { $set: { createdAt: docs[6]!.createdAt } });
        await runs.deleteOne({ _id: docs[9]!._id });
        docs.splice(9, 1);
      } finally {
        await c.close();
      }
      await check(second.uri);
    } finally {
      await second.stop();
    }
  });
});
