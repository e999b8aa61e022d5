import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunFeed, startRunFeed } from '../src/claiming/run-feed.js';
import { eventually, node, publish, queueRuns, seedWorkspace, useDatabase } from './fixtures/seed.js';

const ctx = useDatabase();
const logger = pino({ level: 'silent' });
let feed: RunFeed | undefined;

afterEach(async () => {
  await feed?.stop();
  feed = undefined;
});

/** A feed with `slots` run slots whose runs end at once; returns the ids it executed, in order. */
function feedWith(slots: number, options: { catchUpLimit?: number; pollEveryMs?: number } = {}) {
  const executed: string[] = [];
  let taken = 0;
  feed = startRunFeed(
    { db: ctx.db, logger, owner: 'feed-test', leaseMs: 10_000 },
    {
      takeSlot: () => {
        if (taken >= slots) return false;
        taken++;
        return true;
      },
      releaseSlot: () => {
        taken--;
      },
      hasSlot: () => taken < slots,
      execute: async (run) => {
        executed.push(run._id.toHexString());
        await new Promise((resolve) => setTimeout(resolve, 5));
        taken--;
      },
      ...options,
    },
  );
  return executed;
}

describe('run feed', () => {
  it('claims new runs as they are inserted, each once', async () => {
    const seeded = await seedWorkspace(ctx.db);
    const version = await publish(ctx.db, seeded.workspaceId, [node('start', 'trigger.manual', {})], []);
    const executed = feedWith(3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const ids = await queueRuns(ctx.db, version, 12);
    await eventually(async () => executed.length >= ids.length || null, 60_000, async () => `${executed.length} of ${ids.length}`);
    expect([...executed].sort()).toEqual([...ids].sort());
  });

  it('drains a backlog larger than one catch-up page found at start, without waiting for the idle poll', async () => {
    const seeded = await seedWorkspace(ctx.db);
    const version = await publish(ctx.db, seeded.workspaceId, [node('start', 'trigger.manual', {})], []);
    const ids = await queueRuns(ctx.db, version, 25);
    // Pages of 10, an idle poll far beyond the test's patience: only paging can find all 25.
    const executed = feedWith(4, { catchUpLimit: 10, pollEveryMs: 600_000 });
    await eventually(async () => executed.length >= ids.length || null, 60_000, async () => `${executed.length} of ${ids.length}`);
    expect([...executed].sort()).toEqual([...ids].sort());
    const runs = await ctx.db.models.Run.find({ _id: { $in: ids } }, { status: 1, claims: 1 }).lean();
    expect(runs.every((run) => run.status === 'running' && run.claims === 1)).toBe(true);
  });
});
