import mongoose, { type Connection, Schema, Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../src/test-db.js';
import { isMongoJavaServer, itUnlessEmbedded } from './fixtures/server-kind.js';

/**
 * Mongoose 9 as packages/db uses it: a connection of its own with autoIndex off, indexes made by
 * createIndexes()/syncIndexes(), lean queries with projections, findOneAndUpdate returning the
 * new document, duplicate keys surfacing as 11000, and keyset pagination.
 */

const db = testDatabase();
const embedded = await isMongoJavaServer(db.serverUri);
const gap = itUnlessEmbedded(embedded);
let connection: Connection;

const deliverySchema = new Schema(
  {
    workspaceId: { type: Schema.Types.ObjectId, required: true },
    appId: { type: String, required: true },
    deliveryId: { type: String, required: true },
    body: { type: String, required: true },
    headers: { type: Schema.Types.Mixed, default: {} },
    receivedAt: { type: Date, required: true },
  },
  { collection: 'deliveries', autoIndex: false, versionKey: false },
);
deliverySchema.index({ appId: 1, deliveryId: 1 }, { unique: true });
deliverySchema.index({ workspaceId: 1, receivedAt: -1 });

const logSchema = new Schema(
  {
    runId: { type: Schema.Types.ObjectId, required: true },
    ts: { type: Date, required: true },
    message: String,
  },
  { collection: 'logs', autoIndex: false, versionKey: false },
);
logSchema.index({ runId: 1, ts: 1 });
logSchema.index({ ts: 1 }, { expireAfterSeconds: 3600 });

const scenarioSchema = new Schema(
  {
    workspaceId: { type: Schema.Types.ObjectId, required: true },
    name: { type: String, required: true },
    archived: { type: Boolean, default: false },
    revision: { type: Number, default: 0 },
    secrets: { type: Schema.Types.Mixed },
    draft: { nodes: [{ id: String, type: { type: String }, config: Schema.Types.Mixed }] },
    createdAt: { type: Date, required: true },
  },
  { collection: 'scenarios', autoIndex: false },
);
// Names are unique among a workspace's live scenarios; archived ones may repeat a name.
scenarioSchema.index(
  { workspaceId: 1, name: 1 },
  { unique: true, partialFilterExpression: { archived: false } },
);
scenarioSchema.index({ workspaceId: 1, createdAt: -1, _id: -1 });

beforeAll(async () => {
  connection = mongoose.createConnection(db.uri, { autoIndex: false, serverSelectionTimeoutMS: 30_000 });
  await connection.asPromise();
});
afterAll(async () => {
  await connection.close();
});

const makeModels = (conn: Connection) => ({
  Delivery: conn.model('Delivery', deliverySchema),
  Log: conn.model('Log', logSchema),
  Scenario: conn.model('Scenario', scenarioSchema),
});
let bound: ReturnType<typeof makeModels> | undefined;
const models = () => {
  bound ??= makeModels(connection);
  return bound;
};

interface IndexInfo {
  name: string;
  key: Record<string, number>;
  unique?: boolean;
  expireAfterSeconds?: number;
  partialFilterExpression?: Record<string, unknown>;
}

const indexesOf = async (collection: string) =>
  (await connection.db!.collection(collection).listIndexes().toArray()) as unknown as IndexInfo[];

const byKey = (indexes: IndexInfo[], key: Record<string, number>) =>
  indexes.find((index) => JSON.stringify(index.key) === JSON.stringify(key));

const duplicateCode = (error: unknown) => (error as { code?: unknown }).code;

describe(`contract: mongoose indexes${embedded ? ' (partial index: it.fails here)' : ''}`, () => {
  it('createIndexes() makes compound unique, TTL and partial indexes that listIndexes reports', async () => {
    const { Delivery, Log, Scenario } = models();
    await Promise.all([Delivery.createIndexes(), Log.createIndexes(), Scenario.createIndexes()]);

    const deliveries = await indexesOf('deliveries');
    expect(byKey(deliveries, { appId: 1, deliveryId: 1 })).toMatchObject({ unique: true });
    expect(byKey(deliveries, { workspaceId: 1, receivedAt: -1 })).toBeDefined();
    expect(byKey(deliveries, { workspaceId: 1, receivedAt: -1 })?.unique).toBeFalsy();

    const logs = await indexesOf('logs');
    expect(byKey(logs, { runId: 1, ts: 1 })).toBeDefined();
    expect(byKey(logs, { ts: 1 })).toMatchObject({ expireAfterSeconds: 3600 });

    const scenarios = await indexesOf('scenarios');
    expect(byKey(scenarios, { workspaceId: 1, name: 1 })).toMatchObject({
      unique: true,
      partialFilterExpression: { archived: false },
    });
    expect(byKey(scenarios, { workspaceId: 1, createdAt: -1, _id: -1 })).toBeDefined();
  });

  it('syncIndexes() creates missing indexes and drops ones the schema no longer declares', async () => {
    const { Delivery } = models();
    await connection.db!.collection('deliveries').createIndex({ body: 1 }, { name: 'stray_body_1' });
    expect((await indexesOf('deliveries')).map((i) => i.name)).toContain('stray_body_1');
    const dropped = await Delivery.syncIndexes();
    expect(dropped).toEqual(['stray_body_1']);
    const names = (await indexesOf('deliveries')).map((i) => i.name).sort();
    expect(names).toEqual(['_id_', 'appId_1_deliveryId_1', 'workspaceId_1_receivedAt_-1']);
  });

  it('a duplicate key through mongoose is a MongoServerError with code 11000', async () => {
    const { Delivery } = models();
    await Delivery.createIndexes();
    const workspaceId = new Types.ObjectId();
    const base = { workspaceId, appId: 'github', deliveryId: 'dup-1', body: '{}', receivedAt: new Date() };
    await Delivery.create(base);
    const error = await Delivery.create({ ...base, body: '{"again":true}' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(mongoose.mongo.MongoServerError);
    expect(duplicateCode(error)).toBe(11000);
    const viaUpdate = await Delivery.create({ ...base, deliveryId: 'dup-2' }).then(() =>
      Delivery.updateOne({ deliveryId: 'dup-2' }, { $set: { deliveryId: 'dup-1' } }).catch((e: unknown) => e),
    );
    expect(duplicateCode(viaUpdate)).toBe(11000);
    expect(await Delivery.countDocuments({ appId: 'github', deliveryId: 'dup-1' })).toBe(1);
  });

  // mongo-java-server 1.47.0 stores partialFilterExpression (listIndexes shows it, see above) but
  // ignores it: the unique constraint covers every document, so the second archived 'Orders' is
  // refused with 11000. Weft must not depend on partial unique indexes while this runs embedded.
  gap('a partial unique index applies only to documents matching its filter', async () => {
    const { Scenario } = models();
    await Scenario.createIndexes();
    const workspaceId = new Types.ObjectId();
    const createdAt = new Date();
    await Scenario.create({ workspaceId, name: 'Orders', archived: true, createdAt });
    await Scenario.create({ workspaceId, name: 'Orders', archived: true, createdAt });
    await Scenario.create({ workspaceId, name: 'Orders', archived: false, createdAt });
    const error = await Scenario.create({ workspaceId, name: 'Orders', archived: false, createdAt }).catch(
      (e: unknown) => e,
    );
    expect(duplicateCode(error)).toBe(11000);
    expect(await Scenario.countDocuments({ workspaceId, name: 'Orders' })).toBe(3);
  });
});

describe('contract: mongoose queries', () => {
  it('lean queries honour inclusion and exclusion projections, nested paths included', async () => {
    const { Scenario } = models();
    const workspaceId = new Types.ObjectId();
    const created = await Scenario.create({
      workspaceId,
      name: 'Projection',
      secrets: { apiKey: 'sk_live_1', webhookSecret: 'whsec_1' },
      draft: {
        nodes: [{ id: 'n1', type: 'http.request', config: { url: 'https://example.com', token: 't' } }],
      },
      createdAt: new Date(),
    });

    const included = await Scenario.findById(created._id).select('name revision').lean().exec();
    expect(Object.keys(included!).sort()).toEqual(['_id', 'name', 'revision']);

    const excluded = await Scenario.findById(created._id, { secrets: 0, 'draft.nodes.config': 0 })
      .lean()
      .exec();
    expect(excluded).not.toHaveProperty('secrets');
    expect(excluded).toMatchObject({
      name: 'Projection',
      workspaceId,
      draft: { nodes: [{ id: 'n1', type: 'http.request' }] },
    });
    expect(excluded!.draft!.nodes[0]).not.toHaveProperty('config');

    const nestedOnly = await Scenario.findOne({ _id: created._id })
      .select({ 'secrets.apiKey': 1, _id: 0 })
      .lean()
      .exec();
    expect(nestedOnly).toEqual({ secrets: { apiKey: 'sk_live_1' } });

    const hydrated = await Scenario.findById(created._id).select('-secrets').exec();
    expect(hydrated!.get('secrets')).toBeUndefined();
    expect(hydrated!.name).toBe('Projection');
  });

  it('findOneAndUpdate returns the document after the update (returnDocument and the deprecated new)', async () => {
    const { Scenario } = models();
    const created = await Scenario.create({
      workspaceId: new Types.ObjectId(),
      name: 'Rev',
      createdAt: new Date(),
    });
    const after = await Scenario.findOneAndUpdate(
      { _id: created._id, revision: 0 },
      { $set: { name: 'Rev 1' }, $inc: { revision: 1 } },
      { returnDocument: 'after', lean: true },
    ).exec();
    expect(after).toMatchObject({ name: 'Rev 1', revision: 1 });
    const withNew = await Scenario.findOneAndUpdate(
      { _id: created._id, revision: 1 },
      { $set: { name: 'Rev 2' }, $inc: { revision: 1 } },
      { new: true },
    ).exec();
    expect(withNew).toMatchObject({ name: 'Rev 2', revision: 2 });
    const before = await Scenario.findOneAndUpdate(
      { _id: created._id },
      { $inc: { revision: 1 } },
      { returnDocument: 'before' },
    )
      .lean()
      .exec();
    expect(before).toMatchObject({ revision: 2 });
    const stale = await Scenario.findOneAndUpdate(
      { _id: created._id, revision: 1 },
      { $set: { name: 'stale' } },
      { returnDocument: 'after' },
    ).exec();
    expect(stale).toBeNull();
    expect(await Scenario.findById(created._id).lean().exec()).toMatchObject({ name: 'Rev 2', revision: 3 });
  });

  it('create, query with operators and update nested paths', async () => {
    const { Log } = models();
    const runId = new Types.ObjectId();
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    await Log.insertMany(
      Array.from({ length: 10 }, (_, i) => ({ runId, ts: new Date(t0 + i * 1000), message: `line ${i}` })),
    );
    const window = await Log.find({ runId, ts: { $gte: new Date(t0 + 3000), $lt: new Date(t0 + 6000) } })
      .sort({ ts: 1 })
      .lean()
      .exec();
    expect(window.map((l) => l.message)).toEqual(['line 3', 'line 4', 'line 5']);
    const updated = await Log.updateMany(
      { runId, message: { $in: ['line 0', 'line 9'] } },
      { $set: { message: 'edge' } },
    );
    expect(updated).toMatchObject({ matchedCount: 2, modifiedCount: 2 });
    expect(await Log.countDocuments({ runId, message: 'edge' })).toBe(2);
  });

  it('pages by _id with sort + limit, and by (createdAt desc, _id desc) with tied timestamps', async () => {
    const { Scenario } = models();
    const workspaceId = new Types.ObjectId();
    const sameTime = new Date('2026-02-01T00:00:00Z');
    // 25 scenarios, in groups of 5 sharing a createdAt, so the keyset must break ties by _id.
    const docs = Array.from({ length: 25 }, (_, i) => ({
      _id: new Types.ObjectId(),
      workspaceId,
      name: `s${i}`,
      archived: false,
      revision: 0,
      createdAt: new Date(sameTime.getTime() + Math.floor(i / 5) * 60_000),
    }));
    await Scenario.insertMany(docs);

    const byId: string[] = [];
    let last: Types.ObjectId | undefined;
    for (;;) {
      const page = await Scenario.find({ workspaceId, ...(last ? { _id: { $gt: last } } : {}) })
        .sort({ _id: 1 })
        .limit(10)
        .select('_id')
        .lean()
        .exec();
      if (page.length === 0) break;
      byId.push(...page.map((d) => String(d._id)));
      last = page.at(-1)!._id;
    }
    expect(byId).toEqual(docs.map((d) => String(d._id)).sort());

    const newestFirst: string[] = [];
    let cursor: { createdAt: Date; _id: Types.ObjectId } | undefined;
    const pageSizes: number[] = [];
    for (;;) {
      const page: { _id: Types.ObjectId; createdAt: Date }[] = await Scenario.find({
        workspaceId,
        ...(cursor
          ? {
              $or: [
                { createdAt: { $lt: cursor.createdAt } },
                { createdAt: cursor.createdAt, _id: { $lt: cursor._id } },
              ],
            }
          : {}),
      })
        .sort({ createdAt: -1, _id: -1 })
        .limit(7)
        .select({ createdAt: 1 })
        .lean<{ _id: Types.ObjectId; createdAt: Date }[]>()
        .exec();
      if (page.length === 0) break;
      pageSizes.push(page.length);
      newestFirst.push(...page.map((d) => String(d._id)));
      const tail = page.at(-1)!;
      cursor = { createdAt: tail.createdAt, _id: tail._id };
    }
    const expected = [...docs]
      .sort(
        (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (String(b._id) < String(a._id) ? -1 : 1),
      )
      .map((d) => String(d._id));
    expect(pageSizes).toEqual([7, 7, 7, 4]);
    expect(newestFirst).toEqual(expected);
  });

  it('a query cursor streams more documents than one batch (getMore)', async () => {
    const { Log } = models();
    const runId = new Types.ObjectId();
    await Log.insertMany(
      Array.from({ length: 250 }, (_, i) => ({ runId, ts: new Date(i), message: String(i) })),
    );
    let seen = 0;
    for await (const line of Log.find({ runId }).sort({ ts: 1 }).batchSize(40).lean().cursor()) {
      expect(line.message).toBe(String(seen));
      seen++;
    }
    expect(seen).toBe(250);
  });
});
