import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  Binary,
  BSONRegExp,
  Decimal128,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  MongoClient,
  ObjectId,
  Timestamp,
} from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedMongo } from '../src/index.js';

/**
 * Every value a driver sends comes back as it went in: through the reply encoder on both backends,
 * and, on H2, through the page encoder after a restart (documents then come from the file).
 */
const wide = Array.from({ length: 150 }, (_, i) => (i % 3 === 0 ? i : i % 3 === 1 ? `item ${i}` : { i, even: i % 2 === 0 }));

const document = {
  _id: new ObjectId('65a0000000000000000000aa'),
  ascii: 'plain text',
  empty: '',
  accents: 'crème brûlée, Łódź',
  cjk: '東京都の天気',
  emoji: 'ship it 🚀 — done ✅',
  'clé-ünïcode': 'a key beyond ASCII',
  int: new Int32(-7),
  long: Long.fromString('9007199254740993'),
  double: new Double(2.5),
  wholeDouble: new Double(3),
  decimal: Decimal128.fromString('12345.678901234567890'),
  yes: true,
  no: false,
  nothing: null,
  when: new Date('2026-12-04T10:11:12.345Z'),
  ref: new ObjectId('65a0000000000000000000bb'),
  bytes: new Binary(Buffer.from([0, 1, 2, 254, 255])),
  noBytes: new Binary(Buffer.alloc(0)),
  stamp: new Timestamp({ t: 1_700_000_000, i: 3 }),
  pattern: new BSONRegExp('^weft-[a-z]+$', 'i'),
  min: new MinKey(),
  max: new MaxKey(),
  emptyDoc: {},
  emptyArray: [],
  nested: { level: 1, inner: { level: 2, list: [[1, 2], [], [{ deep: 'yes' }]] } },
  wide,
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'weft-devdb-bson-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readBack(server: { uri: string }): Promise<unknown> {
  const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 30_000, promoteValues: false, promoteLongs: false, bsonRegExp: true });
  try {
    return await client.db('weft').collection('values').findOne({ _id: document._id });
  } finally {
    await client.close();
  }
}

async function write(server: { uri: string }): Promise<void> {
  const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 30_000 });
  try {
    await client.db('weft').collection('values').insertOne({ ...document });
  } finally {
    await client.close();
  }
}

const expected = {
  ...document,
  wide: wide.map((item) => (typeof item === 'number' ? new Int32(item) : typeof item === 'string' ? item : { i: new Int32(item.i), even: item.even })),
  nested: { level: new Int32(1), inner: { level: new Int32(2), list: [[new Int32(1), new Int32(2)], [], [{ deep: 'yes' }]] } },
};

describe('contract: BSON values round-trip', () => {
  it('on the memory backend, through the reply encoder', async () => {
    const server = await startEmbeddedMongo({ log: () => {} });
    try {
      await write(server);
      expect(await readBack(server)).toEqual(expected);
    } finally {
      await server.stop();
    }
  });

  it('on the H2 backend, through the reply encoder and, after a restart, the file', async () => {
    const dataFile = path.join(dir, 'weft.mv.db');
    const first = await startEmbeddedMongo({ backend: 'h2', dataFile, log: () => {} });
    try {
      await write(first);
      expect(await readBack(first)).toEqual(expected);
    } finally {
      await first.stop();
    }
    const second = await startEmbeddedMongo({ backend: 'h2', dataFile, log: () => {} });
    try {
      expect(await readBack(second)).toEqual(expected);
    } finally {
      await second.stop();
    }
  });
});
