import { type ChangeStream, type ChangeStreamDocument, MongoClient, type ResumeToken } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../src/test-db.js';
import { isMongoJavaServer, itUnlessEmbedded } from './fixtures/server-kind.js';

/**
 * Agenda's MongoChangeStreamNotificationChannel watches its jobs collection with
 * `collection.watch([{ $match: { operationType: { $in: ['insert', 'update', 'replace'] } } }],
 * { fullDocument: 'updateLookup' })`, reads only `operationType` and `fullDocument` (name,
 * nextRunAt, disabled, priority) and the event `_id` (resume token, used with `resumeAfter` after
 * a connection loss). On real MongoDB change streams need a replica set (one node is enough).
 *
 * The last block documents where mongo-java-server 1.47.0 differs from MongoDB (`it.fails` on the
 * embedded server, plain `it` elsewhere).
 */

interface Doc {
  _id: string;
  n: number;
  tag?: string;
}

const db = testDatabase();
const embedded = await isMongoJavaServer(db.serverUri);
const gap = itUnlessEmbedded(embedded);
const watcher = new MongoClient(db.serverUri);
const writer = new MongoClient(db.serverUri);
const watched = () => writer.db(db.dbName).collection<Doc>('watched');

beforeAll(async () => {
  await Promise.all([watcher.connect(), writer.connect()]);
  await writer.db(db.dbName).createCollection('watched');
});
afterAll(async () => {
  await Promise.all([watcher.close(), writer.close()]);
});

/**
 * Opens a change stream on `watched` and waits until the server has run its aggregate, so
 * every write after this resolves is reported (`tryNext` runs the initial aggregate).
 */
async function openStream(
  ...args: Parameters<ReturnType<typeof watched>['watch']>
): Promise<ChangeStream<Doc>> {
  const stream = watcher
    .db(db.dbName)
    .collection<Doc>('watched')
    .watch(...args);
  const first = await stream.tryNext();
  if (first !== null) throw new Error(`unexpected change before any write: ${JSON.stringify(first)}`);
  return stream;
}

/** Reads change events until `until` accepts one (inclusive), or fails after `timeoutMs`. */
async function readUntil(
  stream: ChangeStream<Doc>,
  until: (event: ChangeStreamDocument<Doc>) => boolean,
  timeoutMs = 10_000,
): Promise<ChangeStreamDocument<Doc>[]> {
  const events: ChangeStreamDocument<Doc>[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const event = await stream.tryNext();
    if (event === null) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      continue;
    }
    events.push(event);
    if (until(event)) return events;
  }
  throw new Error(
    `change stream: the awaited event did not arrive within ${timeoutMs} ms; got ${JSON.stringify(events)}`,
  );
}

const keyOf = (e: ChangeStreamDocument<Doc>) => ('documentKey' in e ? e.documentKey._id : undefined);
const isSentinel = (e: ChangeStreamDocument<Doc>) => e.operationType === 'insert' && keyOf(e) === 'sentinel';
/** The sentinel insert marks the end of a test's writes, so a missing event shows as absent, not as a hang. */
const writeSentinel = () => watched().insertOne({ _id: 'sentinel', n: 0 });

describe('contract: change streams (what Agenda relies on)', () => {
  it('delivers inserts with the full document, written by another client', async () => {
    const stream = await openStream();
    try {
      await watched().insertOne({ _id: 'i1', n: 1 });
      await watched().insertMany([
        { _id: 'i2', n: 2 },
        { _id: 'i3', n: 3 },
      ]);
      const events = await readUntil(stream, (e) => keyOf(e) === 'i3');
      expect(events.map((e) => [e.operationType, 'fullDocument' in e ? e.fullDocument : undefined])).toEqual([
        ['insert', { _id: 'i1', n: 1 }],
        ['insert', { _id: 'i2', n: 2 }],
        ['insert', { _id: 'i3', n: 3 }],
      ]);
      for (const event of events) expect(event._id).toBeDefined();
    } finally {
      await stream.close();
      await watched().deleteMany({});
    }
  });

  it('delivers updateOne/updateMany/bulkWrite updates with the looked-up document (fullDocument: updateLookup)', async () => {
    await watched().insertMany([
      { _id: 'u1', n: 1 },
      { _id: 'u2', n: 1 },
    ]);
    const stream = await openStream([], { fullDocument: 'updateLookup' });
    try {
      // updateLookup reads the document when the event is delivered, so each event is read before
      // the next write to make the expected document exact.
      const next = async () => {
        const [event] = await readUntil(stream, () => true);
        return [event?.operationType, event && 'fullDocument' in event ? event.fullDocument : undefined];
      };
      await watched().updateOne({ _id: 'u1' }, { $set: { tag: 'x' }, $inc: { n: 1 } });
      expect(await next()).toEqual(['update', { _id: 'u1', n: 2, tag: 'x' }]);
      await watched().updateMany({ _id: 'u2' }, { $inc: { n: 5 } });
      expect(await next()).toEqual(['update', { _id: 'u2', n: 6 }]);
      await watched().bulkWrite([{ updateOne: { filter: { _id: 'u1' }, update: { $unset: { tag: '' } } } }]);
      expect(await next()).toEqual(['update', { _id: 'u1', n: 2 }]);
      await writeSentinel();
      expect(await next()).toEqual(['insert', { _id: 'sentinel', n: 0 }]);
    } finally {
      await stream.close();
      await watched().deleteMany({});
    }
  });

  it('applies a $match on operationType in the pipeline', async () => {
    const stream = await openStream(
      [{ $match: { operationType: { $in: ['insert', 'update', 'replace'] } } }],
      {
        fullDocument: 'updateLookup',
      },
    );
    try {
      await watched().insertOne({ _id: 'm', n: 1 });
      await watched().deleteOne({ _id: 'm' });
      await writeSentinel();
      const events = await readUntil(stream, isSentinel);
      expect(events.map((e) => [e.operationType, keyOf(e)])).toEqual([
        ['insert', 'm'],
        ['insert', 'sentinel'],
      ]);
    } finally {
      await stream.close();
      await watched().deleteMany({});
    }
  });

  it('reports only changes of the watched collection', async () => {
    const stream = await openStream();
    try {
      await writer.db(db.dbName).collection<Doc>('other').insertOne({ _id: 'o', n: 0 });
      await writer.db(`${db.dbName}_x`).collection<Doc>('watched').insertOne({ _id: 'other-db', n: 0 });
      await writeSentinel();
      expect((await readUntil(stream, isSentinel)).map(keyOf)).toEqual(['sentinel']);
    } finally {
      await stream.close();
      await watched().deleteMany({});
      await writer.db(`${db.dbName}_x`).dropDatabase();
    }
  });

  it('resumes after a resume token with the changes made while it was closed', async () => {
    const first = await openStream();
    let token: ResumeToken;
    try {
      await watched().insertOne({ _id: 'r1', n: 1 });
      token = (await readUntil(first, (e) => keyOf(e) === 'r1'))[0]!._id;
    } finally {
      await first.close();
    }
    await watched().insertOne({ _id: 'r2', n: 2 });
    await watched().updateOne({ _id: 'r2' }, { $set: { n: 3 } });
    await writeSentinel();
    const resumed = watcher
      .db(db.dbName)
      .collection<Doc>('watched')
      .watch([], { resumeAfter: token, fullDocument: 'updateLookup' });
    try {
      const events = await readUntil(resumed, isSentinel);
      expect(events.map((e) => e.operationType)).toEqual(['insert', 'update', 'insert']);
      expect(events.map((e) => ('fullDocument' in e ? e.fullDocument?._id : undefined))).toEqual([
        'r2',
        'r2',
        'sentinel',
      ]);
    } finally {
      await resumed.close();
      await watched().deleteMany({});
    }
  });
});

describe(`MongoDB change-event behaviour the embedded server lacks${embedded ? ' (it.fails here)' : ''}`, () => {
  gap(
    'findOneAndUpdate / findOneAndReplace / findOneAndDelete (findAndModify) produce change events',
    async () => {
      await watched().insertMany([
        { _id: 'f1', n: 1 },
        { _id: 'f2', n: 1 },
      ]);
      const stream = await openStream([], { fullDocument: 'updateLookup' });
      try {
        await watched().findOneAndUpdate({ _id: 'f1' }, { $inc: { n: 1 } });
        await watched().findOneAndUpdate({ _id: 'f-new' }, { $set: { n: 1 } }, { upsert: true });
        await watched().findOneAndReplace({ _id: 'f1' }, { n: 10 });
        await watched().findOneAndDelete({ _id: 'f2' });
        await writeSentinel();
        const events = await readUntil(stream, isSentinel);
        expect(events.map((e) => [e.operationType, keyOf(e)])).toEqual([
          ['update', 'f1'],
          ['insert', 'f-new'],
          ['replace', 'f1'],
          ['delete', 'f2'],
          ['insert', 'sentinel'],
        ]);
      } finally {
        await stream.close();
        await watched().deleteMany({});
      }
    },
  );

  gap('update events carry documentKey { _id } and updateDescription', async () => {
    await watched().insertOne({ _id: 'd1', n: 1, tag: 't' });
    const stream = await openStream();
    try {
      await watched().updateOne({ _id: 'd1' }, { $set: { n: 2 }, $unset: { tag: '' } });
      await writeSentinel();
      const [update] = await readUntil(stream, isSentinel);
      expect(update).toMatchObject({
        operationType: 'update',
        documentKey: { _id: 'd1' },
        updateDescription: { updatedFields: { n: 2 }, removedFields: ['tag'] },
      });
      // Without `fullDocument: 'updateLookup'` MongoDB sends no fullDocument for updates.
      expect(update && 'fullDocument' in update ? update.fullDocument : undefined).toBeUndefined();
    } finally {
      await stream.close();
      await watched().deleteMany({});
    }
  });

  gap("replaceOne is reported as operationType 'replace' with documentKey { _id }", async () => {
    await watched().insertOne({ _id: 'p1', n: 1 });
    const stream = await openStream();
    try {
      await watched().replaceOne({ _id: 'p1' }, { n: 10 });
      await writeSentinel();
      const [replace] = await readUntil(stream, isSentinel);
      expect(replace).toMatchObject({
        operationType: 'replace',
        documentKey: { _id: 'p1' },
        fullDocument: { _id: 'p1', n: 10 },
      });
    } finally {
      await stream.close();
      await watched().deleteMany({});
    }
  });

  gap('events carry their namespace (ns: { db, coll })', async () => {
    const stream = await openStream();
    try {
      await writeSentinel();
      const [insert] = await readUntil(stream, isSentinel);
      expect(insert).toMatchObject({ ns: { db: db.dbName, coll: 'watched' } });
    } finally {
      await stream.close();
      await watched().deleteMany({});
    }
  });
});
