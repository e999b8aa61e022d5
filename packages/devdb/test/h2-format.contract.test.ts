import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient, ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedMongo } from '../src/index.js';

/**
 * A data file written before documents were stored as BSON (by the launcher of an earlier Weft,
 * `fixtures/h2-before-bson.mv.db`: apps with a unique index on `key`, counters with a string and a
 * number `_id`, 30 runs with a secondary index) opens with every document and index, takes new
 * writes, and opens again after a restart.
 */
const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'h2-before-bson.mv.db');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'weft-devdb-format-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function withServer<T>(dataFile: string, use: (client: MongoClient) => Promise<T>): Promise<T> {
  const server = await startEmbeddedMongo({ backend: 'h2', dataFile, log: () => {} });
  const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 30_000 });
  try {
    return await use(client);
  } finally {
    await client.close();
    await server.stop();
  }
}

describe('contract: an H2 file from before BSON storage', () => {
  it('is converted on open: documents, ids, unique and secondary indexes intact, then writable across restarts', async () => {
    const dataFile = path.join(dir, 'weft.mv.db');
    await copyFile(fixture, dataFile);
    const expectOriginal = async (client: MongoClient) => {
      const db = client.db('weft');
      const original = [new ObjectId('65a000000000000000000001'), new ObjectId('65a000000000000000000002')];
      expect(await db.collection('apps').find({ _id: { $in: original } }).sort({ _id: 1 }).toArray()).toEqual([
        {
          _id: new ObjectId('65a000000000000000000001'),
          key: 'shop',
          name: 'Shop',
          createdAt: new Date('2026-01-02T03:04:05Z'),
          tags: ['a', 'b'],
          nested: { n: 1.5, big: 1099511627776 },
        },
        {
          _id: new ObjectId('65a000000000000000000002'),
          key: 'crm',
          name: 'CRM',
          createdAt: new Date('2026-01-03T03:04:05Z'),
          tags: [],
          nested: { n: 2 },
        },
      ]);
      expect(await db.collection('counters').findOne({ _id: 'runs' as never })).toEqual({ _id: 'runs', value: 42 });
      expect(await db.collection('counters').findOne({ _id: 7 as never })).toEqual({ _id: 7, value: 'seven' });
      await expect(db.collection('apps').insertOne({ key: 'shop' })).rejects.toThrow(/duplicate key/);
      const failed = await db.collection('runs').find({ status: 'failed' }).sort({ createdAt: -1 }).toArray();
      expect(failed.map((run) => run.n)).toEqual([27, 24, 21, 18, 15, 12, 9, 6, 3, 0]);
      const plan = await db.collection('runs').find({ status: 'failed' }).sort({ createdAt: -1 }).explain();
      expect(JSON.stringify(plan.queryPlanner.winningPlan)).toContain('status_1_createdAt_-1');
    };

    await withServer(dataFile, async (client) => {
      await expectOriginal(client);
      await client.db('weft').collection('apps').insertOne({ _id: new ObjectId('65a000000000000000000003'), key: 'erp' });
      await client.db('weft').collection('counters').updateOne({ _id: 'runs' as never }, { $inc: { value: 1 } });
      await client.db('weft').collection('counters').updateOne({ _id: 'runs' as never }, { $inc: { value: -1 } });
    });
    await withServer(dataFile, async (client) => {
      await expectOriginal(client);
      expect(await client.db('weft').collection('apps').countDocuments()).toBe(3);
      await expect(client.db('weft').collection('apps').insertOne({ key: 'erp' })).rejects.toThrow(/duplicate key/);
    });
  });
});
