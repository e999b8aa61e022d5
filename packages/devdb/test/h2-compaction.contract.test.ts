import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedMongo } from '../src/index.js';

/**
 * The H2 file keeps its size near its live data however many commits there are: every commit is
 * a chunk of the file, and without housekeeping the chunks of overwritten data were never reused
 * (GroupCommit.housekeeping). One document of 8 KiB is rewritten, one acknowledged update at a
 * time, for at least 20 s: without reuse the file holds a chunk per commit (measured: 21 KB each,
 * the page and the store's own pages). A chunk is reused once 5 s old and empty for 2.5 s, and
 * housekeeping runs each second, so of 20 s or more of commits only the last 6 s or so can still
 * be in the file, whatever the machine's speed. The bound, 1.5 × the payload a commit (12 KB),
 * lies between. The data is all there after a SIGKILL and restart.
 */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'weft-devdb-compaction-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const PAYLOAD = 'x'.repeat(8 * 1024);
const MIN_MS = 20_000;
const MIN_UPDATES = 2_000;

describe('contract: the H2 file reuses the space of overwritten data', () => {
  it('stays far below a copy per commit, and keeps the last state across SIGKILL', async () => {
    const dataFile = path.join(dir, 'compact.mv.db');
    const first = await startEmbeddedMongo({ backend: 'h2', dataFile, log: () => {} });
    const client = new MongoClient(first.uri, { serverSelectionTimeoutMS: 10_000 });
    let updates = 0;
    try {
      const rows = client.db('compact').collection<{ _id: string; n: number; payload: string }>('rows');
      await rows.insertOne({ _id: 'one', n: 0, payload: PAYLOAD });
      const started = Date.now();
      while (Date.now() - started < MIN_MS || updates < MIN_UPDATES) {
        updates++;
        await rows.updateOne({ _id: 'one' }, { $set: { n: updates, payload: `${updates}${PAYLOAD}` } });
      }
    } finally {
      await first.kill();
      await client.close(true).catch(() => undefined);
    }
    const { size } = await stat(dataFile);
    expect(size, `${size} bytes after ${updates} updates of ${PAYLOAD.length} bytes`).toBeLessThan(
      updates * PAYLOAD.length * 1.5,
    );

    const second = await startEmbeddedMongo({ backend: 'h2', dataFile, log: () => {} });
    const again = new MongoClient(second.uri, { serverSelectionTimeoutMS: 10_000 });
    try {
      const stored = await again.db('compact').collection<{ _id: string; n: number }>('rows').findOne({ _id: 'one' });
      expect(stored?.n).toBe(updates);
    } finally {
      await again.close();
      await second.stop();
    }
  }, 180_000);
});
