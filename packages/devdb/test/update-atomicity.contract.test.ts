import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedMongo, startEmbeddedMongo } from '../src/index.js';

/**
 * An update is atomic to readers, and on file: a document read while it is being updated, or
 * stored by a commit written meanwhile, is one version of it, never fields of two (the stock
 * server changed a stored document in place while replies and commits read it: on H2, before the
 * fix, two runs of this test and one with 300 updates a writer found 1 to 3 torn documents each).
 * Each update writes one version: `v` and FIELDS fields named after its parity, all holding `v`,
 * and unsets the fields of the other parity (so an update both adds and removes fields).
 */

const DOCUMENTS = 8;
const FIELDS = 400;
const WRITERS = 24;
const UPDATES_PER_WRITER = 200;
const READERS = 6;

interface Versioned {
  _id: number;
  v: number;
  [field: string]: number;
}

/** Why a document is not one whole version, or null when it is. */
function tornBy(document: Versioned): string | null {
  if (document.v === 0) return null;
  const parity = document.v % 2;
  const fields = Object.keys(document).filter((key) => key.startsWith('p'));
  const wanted = Array.from({ length: FIELDS }, (_, j) => `p${parity}_${j}`);
  if (fields.length !== FIELDS || !wanted.every((field) => field in document))
    return `fields ${fields.join(',')} for version ${document.v}`;
  const other = fields.find((field) => document[field] !== document.v);
  return other ? `${other} is ${document[other]} in version ${document.v}` : null;
}

function versionUpdate(v: number) {
  const parity = v % 2;
  const set: Record<string, number> = { v };
  const unset: Record<string, ''> = {};
  for (let j = 0; j < FIELDS; j++) {
    set[`p${parity}_${j}`] = v;
    unset[`p${1 - parity}_${j}`] = '';
  }
  return { $set: set, $unset: unset };
}

async function hammer(server: EmbeddedMongo): Promise<{ reads: number; torn: string[] }> {
  const client = new MongoClient(server.uri, { maxPoolSize: WRITERS + READERS });
  try {
    const docs = client.db('weft').collection<Versioned>('versioned');
    await docs.insertMany(Array.from({ length: DOCUMENTS }, (_, i) => ({ _id: i, v: 0 })));
    let writing = true;
    let reads = 0;
    const torn: string[] = [];
    const writer = async (w: number) => {
      for (let k = 0; k < UPDATES_PER_WRITER; k++) {
        const v = (w + 1) * 1_000_000 + k;
        const id = (w + k) % DOCUMENTS;
        if (k % 5 === 0) await docs.findOneAndUpdate({ _id: id }, versionUpdate(v));
        else await docs.updateOne({ _id: id }, versionUpdate(v));
      }
    };
    const reader = async () => {
      while (writing) {
        for (const document of await docs.find({}).toArray()) {
          reads++;
          const why = tornBy(document);
          if (why) torn.push(`_id ${document._id}: ${why}`);
        }
      }
    };
    const readers = Array.from({ length: READERS }, reader);
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    writing = false;
    await Promise.all(readers);
    return { reads, torn };
  } finally {
    await client.close();
  }
}

describe('contract: an update is atomic', () => {
  let dir: string;
  const started: EmbeddedMongo[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'weft-devdb-atomic-'));
  });
  afterAll(async () => {
    await Promise.all(started.map((server) => server.stop()));
    await rm(dir, { recursive: true, force: true });
  });

  it('on the H2 backend: readers see whole versions only, and so does the file after a restart', async () => {
    const dataFile = path.join(dir, 'weft.mv.db');
    const first = await startEmbeddedMongo({ backend: 'h2', dataFile, log: () => {} });
    started.push(first);
    const { reads, torn } = await hammer(first);
    expect(torn.slice(0, 5)).toEqual([]);
    expect(reads).toBeGreaterThan(0);
    await first.stop();

    const second = await startEmbeddedMongo({ backend: 'h2', dataFile, log: () => {} });
    started.push(second);
    const client = new MongoClient(second.uri);
    try {
      const stored = await client.db('weft').collection<Versioned>('versioned').find({}).toArray();
      expect(stored).toHaveLength(DOCUMENTS);
      expect(stored.map(tornBy).filter(Boolean)).toEqual([]);
      expect(stored.every((document) => document.v > 0)).toBe(true);
    } finally {
      await client.close();
    }
  }, 180_000);
});
