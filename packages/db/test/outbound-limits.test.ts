import { testDatabase } from '@weft/devdb/test-db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type Database, newObjectId, reserveOutboundSlot } from '../src/index.js';
import { useDatabase } from './setup.js';

const ctx = useDatabase();
let second: Database;

beforeAll(async () => {
  // A second connection pool to the same database: a second runner.
  const target = testDatabase();
  second = await connectDatabase(target.serverUri, { dbName: ctx.db.connection.name, syncIndexes: false });
});
afterAll(async () => {
  await second.close();
});

describe('reserveOutboundSlot', () => {
  it('hands out slots that keep every sliding window within the limit, across two connections', async () => {
    const key = newObjectId().toHexString();
    const window = { count: 5, windowMs: 1_000 };
    const now = Date.now();
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        reserveOutboundSlot((i % 2 === 0 ? ctx.db : second).models, key, window, { now, horizonMs: 60_000 }),
      ),
    );
    expect(results.every((r) => r.reserved)).toBe(true);
    const slots = results.map((r) => r.at).sort((a, b) => a - b);
    for (let i = 0; i + window.count < slots.length; i++) {
      expect(slots[i + window.count]! - slots[i]!).toBeGreaterThanOrEqual(window.windowMs);
    }
    // 40 requests at 5 per second: the last goes 7 s after the first burst.
    expect(slots.at(-1)! - now).toBe(7_000);
  });

  it('takes nothing beyond the horizon and says when the next free slot is', async () => {
    const key = newObjectId().toHexString();
    const window = { count: 2, windowMs: 1_000 };
    const now = Date.now();
    const opts = { now, horizonMs: 500 };
    expect(await reserveOutboundSlot(ctx.db.models, key, window, opts)).toEqual({ reserved: true, at: now });
    expect(await reserveOutboundSlot(ctx.db.models, key, window, opts)).toEqual({ reserved: true, at: now });
    expect(await reserveOutboundSlot(ctx.db.models, key, window, opts)).toEqual({
      reserved: false,
      at: now + 1_000,
    });
    // Nothing was taken: later, with time passed, the slot is there.
    expect(await reserveOutboundSlot(ctx.db.models, key, window, { now: now + 1_000, horizonMs: 0 })).toEqual(
      {
        reserved: true,
        at: now + 1_000,
      },
    );
  });
});
