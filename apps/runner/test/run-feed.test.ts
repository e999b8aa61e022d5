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

/**
 * A feed with `slots` run slots whose runs end at once; returns the ids it executed, in order
 * (`setSlots` changes the number of slots, 0 pauses claiming).
 */
function feedWith(initialSlots: number, options: { catchUpLimit?: number; pollEveryMs?: number } = {}) {
  const executed: string[] & { setSlots?: (n: number) => void } = [];
  let slots = initialSlots;
  let taken = 0;
  executed.setSlots = (n) => {
    slots = n;
    feed?.wake();
  };
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
    await eventually(
      async () => executed.length >= ids.length || null,
      60_000,
      async () => `${executed.length} of ${ids.length}`,
    );
    expect([...executed].sort()).toEqual([...ids].sort());
  });

  it('drains a backlog larger than one catch-up page found at start, without waiting for the idle poll', async () => {
    const seeded = await seedWorkspace(ctx.db);
    const version = await publish(ctx.db, seeded.workspaceId, [node('start', 'trigger.manual', {})], []);
    const ids = await queueRuns(ctx.db, version, 25);
    // Pages of 10, an idle poll far beyond the test's patience: only paging can find all 25.
    const executed = feedWith(4, { catchUpLimit: 10, pollEveryMs: 600_000 });
    await eventually(
      async () => executed.length >= ids.length || null,
      60_000,
      async () => `${executed.length} of ${ids.length}`,
    );
    expect([...executed].sort()).toEqual([...ids].sort());
    const runs = await ctx.db.models.Run.find({ _id: { $in: ids } }, { status: 1, claims: 1 }).lean();
    expect(runs.every((run) => run.status === 'running' && run.claims === 1)).toBe(true);
  });

  it("a workspace with thousands queued delays another workspace's single run by one claim round at most", async () => {
    const busy = await seedWorkspace(ctx.db);
    const quiet = await seedWorkspace(ctx.db);
    const busyVersion = await publish(ctx.db, busy.workspaceId, [node('start', 'trigger.manual', {})], []);
    const quietVersion = await publish(ctx.db, quiet.workspaceId, [node('start', 'trigger.manual', {})], []);
    const backlog = await queueRuns(ctx.db, busyVersion, 2_000);
    const [single] = await queueRuns(ctx.db, quietVersion, 1);
    // One slot: runs are claimed one by one, in the order the feed chooses.
    const executed = feedWith(1);
    await eventually(
      async () => executed.includes(single!) || null,
      60_000,
      async () => `${executed.length} claimed`,
    );
    expect(executed.indexOf(single!)).toBeLessThanOrEqual(1);
    // A run of the quiet workspace heard of while the backlog drains is claimed in the next round.
    executed.setSlots!(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const heardBefore = feed!.backlog();
    const [later] = await queueRuns(ctx.db, quietVersion, 1);
    await eventually(
      async () => feed!.backlog() > heardBefore || null,
      60_000,
      async () => 'the insert was not heard',
    );
    const claimedBefore = executed.length;
    executed.setSlots!(1);
    await eventually(
      async () => executed.includes(later!) || null,
      60_000,
      async () => `${executed.length} claimed`,
    );
    expect(executed.indexOf(later!) - claimedBefore).toBeLessThanOrEqual(1);
    expect(executed.length).toBeLessThan(backlog.length);
  });
});
