import { type ChangeStream, type ChangeStreamDocument, MongoClient, type ResumeToken } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../src/test-db.js';

/**
 * Agenda's MongoChangeStreamNotificationChannel watches its jobs collection with
 * `collection.watch([{ $match: { operationType: { $in: [...] } } }], { fullDocument: 'updateLookup' })`
 * and resumes with `resumeAfter` after a connection loss. On real MongoDB change streams need a
 * replica set (a single-node one is enough).
 */

interface Doc {
  _id: string;
  n: number;
  tag?: string;
}

const db = testDatabase();
const watcher = new MongoClient(db.serverUri);
const writer = new MongoClient(db.serverUri);

beforeAll(async () => {
  await Promise.all([watcher.connect(), writer.connect()]);
  await writer.db(db.dbName).createCollection('watched');
});
afterAll(async () => {
  await Promise.all([watcher.close(), writer.close()]);
});

/** Collects change events from a stream until `count` arrived, or fails after `timeoutMs`. */
function collect<T extends Doc>(
  stream: ChangeStream<T>,
  count: number,
  timeoutMs = 10_000,
): Promise<ChangeStreamDocument<T>[]> {
  return new Promise((resolve, reject) => {
    const events: ChangeStreamDocument<T>[] = [];
    const timer = setTimeout(
      () => reject(new Error(`only ${events.length} of ${count} change events within ${timeoutMs} ms: ${JSON.stringify(events)}`)),
      timeoutMs,
    );
    stream.on('change', (event) => {
      events.push(event);
      if (events.length === count) {
        clearTimeout(timer);
        resolve(events);
      }
    });
    stream.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Resolves once the driver has sent the aggregate that opens the stream on the server. */
function opened(stream: ChangeStream<Doc>): Promise<void> {
  return new Promise((resolve) => stream.once('init', () => resolve()));
}

describe('contract: change streams', () => {
  it('delivers inserts, updates (with updateLookup), replaces and deletes written by another client', async () => {
    const stream = watcher
      .db(db.dbName)
      .collection<Doc>('watched')
      .watch([], { fullDocument: 'updateLookup' });
    try {
      const events = collect(stream, 4);
      await opened(stream);
      const coll = writer.db(db.dbName).collection<Doc>('watched');
      await coll.insertOne({ _id: 'a', n: 1 });
      await coll.updateOne({ _id: 'a' }, { $set: { tag: 'x' }, $inc: { n: 1 } });
      await coll.replaceOne({ _id: 'a' }, { n: 10 });
      await coll.deleteOne({ _id: 'a' });
      const [insert, update, replace, remove] = await events;

      expect(insert).toMatchObject({
        operationType: 'insert',
        documentKey: { _id: 'a' },
        fullDocument: { _id: 'a', n: 1 },
        ns: { db: db.dbName, coll: 'watched' },
      });
      expect(update).toMatchObject({
        operationType: 'update',
        documentKey: { _id: 'a' },
        updateDescription: { updatedFields: { tag: 'x', n: 2 } },
        fullDocument: { _id: 'a', n: 2, tag: 'x' },
      });
      expect(replace).toMatchObject({ operationType: 'replace', fullDocument: { _id: 'a', n: 10 } });
      expect(remove).toMatchObject({ operationType: 'delete', documentKey: { _id: 'a' } });
      for (const event of [insert, update, replace, remove]) expect(event?._id).toBeDefined();
    } finally {
      await stream.close();
    }
  });

  it("filters with a $match on operationType, as Agenda's notification channel does", async () => {
    const stream = watcher
      .db(db.dbName)
      .collection<Doc>('watched')
      .watch([{ $match: { operationType: { $in: ['insert', 'update', 'replace'] } } }], {
        fullDocument: 'updateLookup',
      });
    try {
      const events = collect(stream, 2);
      await opened(stream);
      const coll = writer.db(db.dbName).collection<Doc>('watched');
      await coll.insertOne({ _id: 'm', n: 1 });
      await coll.deleteOne({ _id: 'm' });
      await coll.insertOne({ _id: 'm2', n: 2 });
      expect((await events).map((e) => [e.operationType, 'documentKey' in e ? e.documentKey._id : null])).toEqual([
        ['insert', 'm'],
        ['insert', 'm2'],
      ]);
    } finally {
      await stream.close();
    }
  });

  it('only reports changes of the watched collection', async () => {
    const stream = watcher.db(db.dbName).collection<Doc>('watched').watch();
    try {
      const events = collect(stream, 1);
      await opened(stream);
      await writer.db(db.dbName).collection<Doc>('other').insertOne({ _id: 'o', n: 0 });
      await writer.db(db.dbName).collection<Doc>('watched').insertOne({ _id: 'w', n: 0 });
      expect((await events).map((e) => ('documentKey' in e ? e.documentKey._id : null))).toEqual(['w']);
    } finally {
      await stream.close();
    }
  });

  it('resumes after a resume token with the changes made while it was closed', async () => {
    const coll = writer.db(db.dbName).collection<Doc>('watched');
    const first = watcher.db(db.dbName).collection<Doc>('watched').watch();
    let token: ResumeToken;
    try {
      const events = collect(first, 1);
      await opened(first);
      await coll.insertOne({ _id: 'r1', n: 1 });
      token = (await events)[0]!._id;
    } finally {
      await first.close();
    }
    await coll.insertOne({ _id: 'r2', n: 2 });
    await coll.updateOne({ _id: 'r2' }, { $set: { n: 3 } });

    const resumed = watcher.db(db.dbName).collection<Doc>('watched').watch([], { resumeAfter: token });
    try {
      const events = await collect(resumed, 2);
      expect(events.map((e) => [e.operationType, 'documentKey' in e ? e.documentKey._id : null])).toEqual([
        ['insert', 'r2'],
        ['update', 'r2'],
      ]);
    } finally {
      await resumed.close();
    }
  });
});
