import type { Agenda } from 'agenda';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createQueue,
  ensureRunScheduled,
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
  it('keeps one job per run: scheduling again moves it, ensuring leaves it', async () => {
    const queue = createQueue(ctx.db, { name: 'enqueuer' });
    queues.push(queue);
    const later = new Date(Date.now() + 3_600_000);
    await scheduleRun(queue, 'run-a', later);
    await scheduleRun(queue, 'run-a', new Date(later.getTime() + 1_000));
    await ensureRunScheduled(queue, 'run-a', new Date(later.getTime() + 99_000));
    const jobs = await ctx.db.connection
      .db!.collection(JOBS_COLLECTION)
      .find({ 'data.runId': 'run-a' })
      .toArray();
    expect(jobs).toHaveLength(1);
    expect((jobs[0]?.nextRunAt as Date).getTime()).toBe(later.getTime() + 1_000);
  });

  it('a processing queue runs each scheduled run once and removes the finished job', async () => {
    const seen: string[] = [];
    const worker = createQueue(ctx.db, { name: 'worker', processEveryMs: 100 });
    queues.push(worker);
    worker.define<RunJobData>(RUN_JOB, async (job) => {
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
