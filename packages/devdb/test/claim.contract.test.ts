import { type Collection, MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../src/test-db.js';

/**
 * Weft's runner claims a run with one conditional findOneAndUpdate (`queued` → `running`).
 * This must hand a document to exactly one caller even when the callers are separate
 * connections whose commands reach the server at the same time.
 */

const CLAIMERS = 20;
const DOCUMENTS = 50;

interface RunDoc {
  _id: string;
  status: 'queued' | 'running';
  owner?: string;
  leaseUntil?: Date;
}

const db = testDatabase();
// One client per claimer, each with its own socket: the 20 commands of a round are in flight on
// 20 connections at once, not serialised on one.
const clients = Array.from({ length: CLAIMERS }, () => new MongoClient(db.serverUri, { maxPoolSize: 1 }));
const runsOf = (client: MongoClient): Collection<RunDoc> => client.db(db.dbName).collection<RunDoc>('runs');

beforeAll(async () => {
  await Promise.all(clients.map((c) => c.connect()));
  // Open the socket of every client before the race, so no claim waits for a handshake.
  await Promise.all(clients.map((c) => c.db(db.dbName).command({ ping: 1 })));
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
});

describe('contract: claiming a document with findOneAndUpdate', () => {
  it(`${CLAIMERS} concurrent claims from separate connections: exactly one wins, ${DOCUMENTS} times`, async () => {
    const runs = runsOf(clients[0]!);
    const ids = Array.from({ length: DOCUMENTS }, (_, i) => `run-${i}`);
    await runs.insertMany(ids.map((_id) => ({ _id, status: 'queued' as const })));

    // The premise of the race: every claimer talks to the server over its own socket
    // (`whatsmyuri` answers with the client's address as the server sees it).
    const addresses = await Promise.all(clients.map((c) => c.db('admin').command({ whatsmyuri: 1 })));
    expect(new Set(addresses.map((a) => String(a.you))).size).toBe(CLAIMERS);

    const winners: string[] = [];
    for (const _id of ids) {
      const results = await Promise.all(
        clients.map((client, i) =>
          runsOf(client).findOneAndUpdate(
            { _id, status: 'queued' },
            { $set: { status: 'running', owner: `worker-${i}` } },
            { returnDocument: 'after' },
          ),
        ),
      );
      const won = results.filter((r) => r !== null);
      expect(won, `claims of ${_id} that returned a document`).toHaveLength(1);
      const winner = won[0]!;
      expect(winner).toMatchObject({ _id, status: 'running' });
      expect(winner.owner).toMatch(/^worker-\d+$/);
      // The winner is the caller that received the document.
      expect(winner.owner).toBe(`worker-${results.indexOf(winner)}`);
      const stored = await runs.findOne({ _id });
      expect(stored).toEqual({ _id, status: 'running', owner: winner.owner });
      winners.push(winner.owner!);
    }
    expect(winners).toHaveLength(DOCUMENTS);
    expect(await runs.countDocuments({ status: 'queued' })).toBe(0);
  });

  it('an expired lease is taken over by exactly one claimer; a live lease by none', async () => {
    const runs = runsOf(clients[0]!);
    const now = new Date();
    await runs.insertMany([
      {
        _id: 'lease-expired',
        status: 'running',
        owner: 'dead-worker',
        leaseUntil: new Date(now.getTime() - 1_000),
      },
      {
        _id: 'lease-live',
        status: 'running',
        owner: 'live-worker',
        leaseUntil: new Date(now.getTime() + 60_000),
      },
    ]);
    const claim = (client: MongoClient, _id: string, owner: string) =>
      runsOf(client).findOneAndUpdate(
        { _id, $or: [{ status: 'queued' }, { status: 'running', leaseUntil: { $lt: now } }] },
        { $set: { status: 'running', owner, leaseUntil: new Date(now.getTime() + 30_000) } },
        { returnDocument: 'after' },
      );

    const expired = await Promise.all(clients.map((c, i) => claim(c, 'lease-expired', `worker-${i}`)));
    const won = expired.filter((r) => r !== null);
    expect(won).toHaveLength(1);
    expect(await runs.findOne({ _id: 'lease-expired' })).toMatchObject({ owner: won[0]!.owner });

    const live = await Promise.all(clients.map((c, i) => claim(c, 'lease-live', `worker-${i}`)));
    expect(live.filter((r) => r !== null)).toHaveLength(0);
    expect(await runs.findOne({ _id: 'lease-live' })).toMatchObject({ owner: 'live-worker' });
  });
});
