import {
  claimRun,
  JOBS_COLLECTION,
  RUN_JOB,
  type RunWaitDoc,
  resolveRunWait,
  resumeRunOfWait,
  runWaitIdOf,
  type ScenarioVersionDoc,
  toObjectId,
} from '@weft/db';
import { describe, expect, it } from 'vitest';
import { afterRunSettled } from '../src/execution/on-run-settled.js';
import { processRun } from '../src/execution/process-run.js';
import { sweepOnce } from '../src/maintenance/sweeper.js';
import { startWorker } from '../src/worker.js';
import { edge, eventually, keyring, node, publish, queueRuns, runOf, stepOf } from './fixtures/seed.js';
import { setUpRuns, useSink } from './fixtures/run-setup.js';

const sink = await useSink();
const { ctx, queue, seeded, workers, logger, deps } = await setUpRuns({
  name: 'approval-test-enqueuer',
  owner: 'approval-test-runner',
});
const HOUR = 3_600_000;

const dueJobsOf = async (runId: string) =>
  (
    await ctx.db.connection
      .db!.collection(JOBS_COLLECTION)
      .find({ name: RUN_JOB, 'data.runId': runId })
      .toArray()
  ).filter((job) => job.nextRunAt instanceof Date && job.nextRunAt.getTime() <= Date.now() + 1_000);

/** An order waits for a manager's approval, then reports the decision to the sink. */
function approvalScenario(timeoutMs = 24 * HOUR): Promise<ScenarioVersionDoc> {
  return publish(
    ctx.db,
    seeded.workspaceId,
    [
      node('start', 'trigger.manual', {}),
      node('approve', 'wait.approval', { message: 'Approve order of {{ trigger.body.total }}?', timeoutMs }),
      node('report', 'http.request', {
        method: 'POST',
        url: `${sink.url}/decided`,
        body: '{{ nodes.approve }}',
      }),
    ],
    [edge('start', 'approve'), edge('approve', 'report')],
  );
}

const waitOf = (runId: string) =>
  ctx.db.models.RunWait.findById(runWaitIdOf(toObjectId(runId), 'approve'))
    .lean<RunWaitDoc>()
    .exec();

const approve = (runId: string, by = 'manager') =>
  resolveRunWait(ctx.db.models, {
    workspaceId: seeded.workspaceId,
    runId: toObjectId(runId),
    nodeId: 'approve',
    decision: 'approved',
    by,
    data: { note: 'ok' },
  });

describe('wait.approval in the runner', () => {
  it('suspends the run holding no lease, and a resume wakes it to go on with the decision', async () => {
    const version = await approvalScenario();
    const [runId] = await queueRuns(ctx.db, version);
    const first = await processRun(deps(), runId!);
    expect(first.status).toBe('waiting');
    const waiting = await runOf(ctx.db, runId!);
    expect(waiting).toMatchObject({ status: 'waiting', leaseOwner: null });
    const wait = await waitOf(runId!);
    expect(wait).toMatchObject({ kind: 'approval', message: 'Approve order of 150?', resolvedAt: null });
    expect(stepOf(waiting, 'approve')).toMatchObject({
      status: 'waiting',
      waitingFor: { waitId: wait!._id },
    });
    expect(stepOf(waiting, 'approve').resumeAt).toEqual(wait!.expiresAt);
    // Not due: an extra job does not run the step early.
    expect(await processRun(deps(), runId!)).toEqual({ status: 'not_claimed' });

    const resumed = await approve(runId!);
    if (!resumed.ok) throw new Error(resumed.message);
    expect(await resumeRunOfWait(ctx.db.models, queue, resumed.wait)).toBe('resumed');
    expect(await dueJobsOf(runId!)).toHaveLength(1);
    expect(await processRun(deps(), runId!)).toEqual({ status: 'succeeded' });
    const done = await runOf(ctx.db, runId!);
    expect(stepOf(done, 'approve')).toMatchObject({
      status: 'succeeded',
      output: { decision: 'approved', by: 'manager', data: { note: 'ok' }, timedOut: false },
    });
    expect(stepOf(done, 'approve')).not.toHaveProperty('waitingFor');
    const report = await sink.waitFor('/decided');
    expect(JSON.parse(report.body)).toEqual({
      decision: 'approved',
      by: 'manager',
      data: { note: 'ok' },
      timedOut: false,
    });
    expect((await approve(runId!, 'second')).ok).toBe(false);
  });

  it('a resume while the run is still running is picked up by the run itself after it suspends, or by the sweep', async () => {
    const version = await approvalScenario();
    const [runId] = await queueRuns(ctx.db, version);
    await processRun(deps(), runId!);
    // Resumed while a runner still held the run: the wake finds it running and leaves it.
    await ctx.db.models.Run.updateOne({ _id: toObjectId(runId!) }, { $set: { resumeAt: new Date(0) } });
    await claimRun(ctx.db.models, runId!, { owner: 'still-running', leaseMs: 10_000 });
    const resumed = await approve(runId!);
    if (!resumed.ok) throw new Error(resumed.message);
    expect(await resumeRunOfWait(ctx.db.models, queue, resumed.wait)).toBe('running');
    await ctx.db.models.Run.updateOne(
      { _id: toObjectId(runId!) },
      {
        $set: {
          status: 'waiting',
          leaseOwner: null,
          leaseExpiresAt: null,
          resumeAt: new Date(Date.now() + HOUR),
        },
      },
    );
    // The sweep wakes it once the resume is old enough…
    const stale = { afterMs: 0, jobLockLifetimeMs: 10_000, now: new Date(Date.now() + 1_000) };
    expect((await sweepOnce({ db: ctx.db, queue, logger }, stale)).waitsResumed).toBe(1);
    expect((await sweepOnce({ db: ctx.db, queue, logger }, stale)).waitsResumed).toBe(0);
    expect(await dueJobsOf(runId!)).toHaveLength(1);
    expect(await processRun(deps(), runId!)).toEqual({ status: 'succeeded' });

    // …and the run's own check after suspending does it at once.
    const [secondId] = await queueRuns(ctx.db, version);
    await processRun(deps(), secondId!);
    await ctx.db.models.Run.updateOne({ _id: toObjectId(secondId!) }, { $set: { resumeAt: new Date(0) } });
    await claimRun(ctx.db.models, secondId!, { owner: 'still-running', leaseMs: 10_000 });
    const second = await approve(secondId!);
    if (!second.ok) throw new Error(second.message);
    expect(await resumeRunOfWait(ctx.db.models, queue, second.wait)).toBe('running');
    await ctx.db.models.Run.updateOne(
      { _id: toObjectId(secondId!) },
      {
        $set: {
          status: 'waiting',
          leaseOwner: null,
          leaseExpiresAt: null,
          resumeAt: new Date(Date.now() + HOUR),
        },
      },
    );
    await afterRunSettled(deps(), await runOf(ctx.db, secondId!), 'waiting', {
      callsChildren: false,
      waitsForResumes: true,
      log: logger,
    });
    expect((await runOf(ctx.db, secondId!)).resumeAt!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(await dueJobsOf(secondId!)).toHaveLength(1);
  });

  it('times out: a worker resumes the run at the deadline with timedOut: true, and a late resume is refused', async () => {
    const version = await approvalScenario(1_000);
    const worker = await startWorker(
      { db: ctx.db, keyring, http: deps().http, logger, owner: 'approval-worker' },
      { concurrency: 2, processEveryMs: 200, leaseMs: 10_000, shutdownGraceMs: 1_000, sweep: false },
    );
    workers.push(worker);
    const [runId] = await queueRuns(ctx.db, version);
    const done = await eventually(async () => {
      const run = await runOf(ctx.db, runId!);
      return run.status === 'succeeded' ? run : null;
    }, 30_000);
    expect(stepOf(done, 'approve').output).toEqual({ decision: null, by: null, data: null, timedOut: true });
    expect(done.claims).toBeGreaterThanOrEqual(2);
    const late = await approve(runId!);
    expect(late).toMatchObject({ ok: false, code: 'already_resolved' });
    if (!late.ok) expect(late.message).toContain('it timed out at');
    for (const w of workers.splice(0)) await w.stop();
  });
});
