import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoClient, ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedMongo } from '../src/index.js';

/**
 * What an acknowledged write survives on the H2 backend: the server killed (SIGKILL, no shutdown
 * hook runs) right after the last acknowledgement, then started again on the same file, has every
 * acknowledged insert, update and delete. The writes are concurrent, as webhooks and runners
 * make them, so group commits are exercised too.
 */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'weft-devdb-durability-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Row {
  _id: ObjectId;
  n: number;
  state: string;
}

describe('contract: an acknowledged write survives a killed H2 server', () => {
  it('keeps every acknowledged insert, update and delete across SIGKILL and restart', async () => {
    const dataFile = path.join(dir, 'killed.mv.db');
    const first = await startEmbeddedMongo({ backend: 'h2', dataFile, log: () => {} });
    const rows: Row[] = Array.from({ length: 400 }, (_, n) => ({ _id: new ObjectId(), n, state: 'new' }));
    const client = new MongoClient(first.uri, { serverSelectionTimeoutMS: 10_000, maxPoolSize: 20 });
    try {
      const collection = client.db('durable').collection<Row>('rows');
      await collection.createIndex({ n: 1 }, { unique: true });
      // 40 clients at once: one insert each per round, then an update and a delete of earlier rows.
      for (let round = 0; round < 10; round++) {
        const batch = rows.slice(round * 40, round * 40 + 40);
        await Promise.all(batch.map((row) => collection.insertOne({ ...row })));
        await Promise.all(
          batch.slice(0, 20).map((row) => collection.updateOne({ _id: row._id }, { $set: { state: 'done' } })),
        );
        await Promise.all(batch.slice(20, 25).map((row) => collection.deleteOne({ _id: row._id })));
      }
      // The very last acknowledgement, then the kill at once.
      await collection.findOneAndUpdate({ n: 399 }, { $set: { state: 'last' } });
    } finally {
      await first.kill();
      await client.close(true).catch(() => undefined);
    }

    const second = await startEmbeddedMongo({ backend: 'h2', dataFile, log: () => {} });
    const again = new MongoClient(second.uri, { serverSelectionTimeoutMS: 10_000 });
    try {
      const stored = await again.db('durable').collection<Row>('rows').find().sort({ n: 1 }).toArray();
      const expected = rows
        .filter((row) => row.n % 40 < 20 || row.n % 40 >= 25)
        .map((row) => ({
          ...row,
          state: row.n === 399 ? 'last' : row.n % 40 < 20 ? 'done' : 'new',
        }));
      expect(stored.length).toBe(expected.length);
      expect(stored).toEqual(expected);
      // The unique index came back too: a duplicate is still refused.
      await expect(again.db('durable').collection<Row>('rows').insertOne({ _id: new ObjectId(), n: 1, state: 'x' })).rejects.toThrow(
        /duplicate key/,
      );
    } finally {
      await again.close();
      await second.stop();
    }
  }, 180_000);
});
