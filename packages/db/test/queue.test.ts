import type { Agenda } from 'agenda';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createQueue,
  ensureQueueIndexes,
  JOBS_COLLECTION,
  RUN_JOB,
  type RunJobData,
  scheduleRun,
} from '../src/index.js';
import { useDatabase } from './setup.js';

const ctx = useDatabase();
const queues: Agenda[] = [];
afterAll(async () => {
  for (const queue of queues) await queue.stop();
});

async function until(check: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('run queue', () => {
  it('scheduling adds a job at the given time, or now', async () => {
    const queue = createQueue(ctx.db, { name: 'enqueuer' });
    queues.push(queue);
    await ensureQueueIndexes(ctx.db);
    const jobs = ctx.db.connection.db!.collection(JOBS_COLLECTION);
    const later = new Date(Date.now() + 3_600_000);
    await scheduleRun(queue, 'run-a', later);
    const [job] = await jobs.find({ 'data.runId': 'run-a' }).toArray();
    expect((job?.nextRunAt as Date | undefined)?.getTime()).toBe(later.getTime());
    const before = Date.now();
    await scheduleRun(queue, 'run-b');
    const [now] = await jobs.find({ 'data.runId': 'run-b' }).toArray();
    expect((now?.nextRunAt as Date | undefined)?.getTime()).toBeGreaterThanOrEqual(before - 1_000);
    expect((now?.nextRunAt as Date | undefined)?.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('a processing queue runs each scheduled run once and removes the finished job', async () => {
    const seen: string[] = [];
    const worker = createQueue(ctx.db, { name: 'worker', processEveryMs: 100 });
    queues.push(worker);
    worker.define<RunJobData>(RUN_JOB, async (job) => {
      if (job.attrs.data.runId.startsWith('r') && job.attrs.data.runId.length === 2)
        seen.push(job.attrs.data.runId);
    });
    await worker.start();
    for (const id of ['r1', 'r2', 'r3']) await scheduleRun(worker, id);
    await until(async () => seen.length >= 3);
    expect(seen.sort()).toEqual(['r1', 'r2', 'r3']);
    await until(
      async () =>
        (await ctx.db.connection
          .db!.collection(JOBS_COLLECTION)
          .countDocuments({ 'data.runId': { $in: ['r1', 'r2', 'r3'] } })) === 0,
    );
  });
});
