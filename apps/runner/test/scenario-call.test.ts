import {
  childRunIdOf,
  claimRun,
  finishRun,
  JOBS_COLLECTION,
  publishScenario,
  RUN_JOB,
  type RunDoc,
  saveDraft,
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
  name: 'call-test-enqueuer',
  owner: 'call-test-runner',
});

const start = () => node('start', 'trigger.manual', {});
const childrenOf = (runId: string) =>
  ctx.db.models.Run.find({ 'parent.runId': toObjectId(runId) })
    .lean<RunDoc[]>()
    .exec();
const jobsOf = (runId: string) =>
  ctx.db.connection.db!.collection(JOBS_COLLECTION).find({ name: RUN_JOB, 'data.runId': runId }).toArray();
/** The run's jobs due now (its suspension also left one far ahead). */
const dueJobsOf = async (runId: string) =>
  (await jobsOf(runId)).filter(
    (job) => job.nextRunAt instanceof Date && job.nextRunAt.getTime() <= Date.now() + 1_000,
  );

/** "Sync customer": a child scenario that calls the sink and shapes what it answered. */
function syncCustomer(): Promise<ScenarioVersionDoc> {
  return publish(
    ctx.db,
    seeded.workspaceId,
    [
      start(),
      node('fetch', 'http.request', {
        method: 'POST',
        url: `${sink.url}/customers`,
        body: { id: '{{ trigger.customerId }}' },
      }),
      node('result', 'transform', {
        expression: '{ "customerId": trigger.customerId, "path": nodes.fetch.body.path }',
      }),
    ],
    [edge('start', 'fetch'), edge('fetch', 'result')],
  );
}

/** A parent calling `target` with `{ customerId }`, then reporting the child's output to the sink. */
function caller(target: ScenarioVersionDoc, wait = true): Promise<ScenarioVersionDoc> {
  return publish(
    ctx.db,
    seeded.workspaceId,
    [
      start(),
      node('call', 'scenario.call', {
        scenarioId: target.scenarioId.toHexString(),
        input: { customerId: '{{ trigger.body.total }}' },
        wait,
      }),
      node('report', 'http.request', { method: 'POST', url: `${sink.url}/report`, body: '{{ nodes.call }}' }),
    ],
    [edge('start', 'call'), edge('call', 'report')],
  );
}

describe('scenario.call in the runner', () => {
  it('suspends the parent, starts the child once, and the child’s runner resumes the parent, which continues with its output', async () => {
    const child = await syncCustomer();
    const parent = await caller(child);
    const [parentId] = await queueRuns(ctx.db, parent);

    const first = await processRun(deps(), parentId!);
    expect(first.status).toBe('waiting');
    const [created] = await childrenOf(parentId!);
    expect(created).toBeDefined();
    const childId = created!._id.toHexString();
    expect(childId).toBe(childRunIdOf(toObjectId(parentId!), 'call').toHexString());
    expect(created).toMatchObject({
      status: 'queued',
      input: { customerId: 150 },
      trigger: { kind: 'call' },
      scenarioVersionId: child._id,
      resumeParent: true,
    });
    expect(created!.parent).toMatchObject({ nodeId: 'call', wait: true });
    const waiting = await runOf(ctx.db, parentId!);
    expect(stepOf(waiting, 'call')).toMatchObject({ status: 'waiting', waitingFor: { runId: childId } });
    // Suspended far ahead: only the child's end brings it back early.
    expect(waiting.resumeAt!.getTime()).toBeGreaterThan(Date.now() + 3_600_000);
    expect(waiting.leaseOwner).toBeNull();

    // The runner that finishes the child resumes the parent: due now, with a job.
    expect(await processRun(deps(), childId)).toEqual({ status: 'succeeded' });
    const resumed = await runOf(ctx.db, parentId!);
    expect(resumed.status).toBe('waiting');
    expect(resumed.resumeAt!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(await dueJobsOf(parentId!)).toHaveLength(1);
    expect((await runOf(ctx.db, childId)).resumeParent).toBeUndefined();

    expect(await processRun(deps(), parentId!)).toEqual({ status: 'succeeded' });
    const done = await runOf(ctx.db, parentId!);
    const outcome = {
      runId: childId,
      scenarioId: child.scenarioId.toHexString(),
      status: 'succeeded',
      output: { result: { customerId: 150, path: '/customers' } },
    };
    expect(stepOf(done, 'call')).toMatchObject({ status: 'succeeded', attempts: 1, output: outcome });
    expect(stepOf(done, 'call')).not.toHaveProperty('waitingFor');
    const report = sink.requests.filter((r) => r.path === '/report').at(-1)!;
    expect(JSON.parse(report.body)).toEqual(outcome);
    expect(await childrenOf(parentId!)).toHaveLength(1);
  });

  it('a parent whose call step runs again (a crash after the child was created) gets the same child, not a second', async () => {
    const child = await syncCustomer();
    const parent = await caller(child);
    const [parentId] = await queueRuns(ctx.db, parent);
    expect((await processRun(deps(), parentId!)).status).toBe('waiting');
    // As a runner dying mid-step leaves it: the run queued again, the call step `running`.
    await ctx.db.models.Run.collection.updateOne(
      { _id: toObjectId(parentId!), 'steps.nodeId': 'call' },
      { $set: { status: 'queued', resumeAt: null, 'steps.$.status': 'running', 'steps.$.waitingFor': null } },
    );
    expect((await processRun(deps(), parentId!)).status).toBe('waiting');
    expect((await processRun(deps(), parentId!)).status).toBe('not_claimed');
    expect(await childrenOf(parentId!)).toHaveLength(1);
  });

  it("a failed child is the call node's error (its code, message and run id): the parent fails", async () => {
    const child = await publish(
      ctx.db,
      seeded.workspaceId,
      [start(), node('check', 'transform', { expression: '$error("no such customer")' })],
      [edge('start', 'check')],
    );
    const parent = await caller(child);
    const [parentId] = await queueRuns(ctx.db, parent);
    await processRun(deps(), parentId!);
    const [created] = await childrenOf(parentId!);
    expect(await processRun(deps(), created!._id.toHexString())).toEqual({ status: 'failed' });
    expect(await processRun(deps(), parentId!)).toEqual({ status: 'failed' });
    const failed = await runOf(ctx.db, parentId!);
    const childError = (await runOf(ctx.db, created!._id.toHexString())).error!;
    expect(stepOf(failed, 'call').error).toMatchObject({
      code: childError.code,
      details: { childRunId: created!._id.toHexString(), childStatus: 'failed' },
    });
    expect(stepOf(failed, 'call').error?.message).toContain('no such customer');
    expect(failed.error).toMatchObject({ code: childError.code, details: { nodeId: 'call' } });
    expect(stepOf(failed, 'report').status).not.toBe('succeeded');
  });

  it('wait: false starts the child and goes on at once; the child never resumes it', async () => {
    const child = await syncCustomer();
    const parent = await caller(child, false);
    const [parentId] = await queueRuns(ctx.db, parent);
    expect(await processRun(deps(), parentId!)).toEqual({ status: 'succeeded' });
    const [created] = await childrenOf(parentId!);
    expect(stepOf(await runOf(ctx.db, parentId!), 'call').output).toEqual({
      runId: created!._id.toHexString(),
      scenarioId: child.scenarioId.toHexString(),
    });
    expect(created!.parent).toMatchObject({ wait: false });
    expect(created!.resumeParent).toBeUndefined();
    expect(await processRun(deps(), created!._id.toHexString())).toEqual({ status: 'succeeded' });
    expect(await jobsOf(parentId!)).toHaveLength(0);
  });

  it('refuses at run time a chain deeper than the limit and a recursion, with the error on the refused call', async () => {
    // parent → middle → leaf: the middle run is 1 call deep; under a limit of 1 its call is refused.
    const leaf = await syncCustomer();
    const middle = await caller(leaf);
    const top = await caller(middle);
    const [topId] = await queueRuns(ctx.db, top);
    const limited = deps({ maxCallDepth: 1 });
    expect((await processRun(limited, topId!)).status).toBe('waiting');
    const [middleRun] = await childrenOf(topId!);
    expect(await processRun(limited, middleRun!._id.toHexString())).toEqual({ status: 'failed' });
    expect(stepOf(await runOf(ctx.db, middleRun!._id.toHexString()), 'call').error).toMatchObject({
      code: 'call_depth_exceeded',
      details: { depth: 2, maxDepth: 1 },
    });
    expect(await childrenOf(middleRun!._id.toHexString())).toHaveLength(0);
    expect(await processRun(limited, topId!)).toEqual({ status: 'failed' });
    expect((await runOf(ctx.db, topId!)).error).toMatchObject({ code: 'call_depth_exceeded' });

    // X → Y → X (published without the api's check): Y's run may not call X again.
    const y = await syncCustomer();
    const x = await caller(y);
    const yCallsX = [
      start(),
      node('call', 'scenario.call', { scenarioId: x.scenarioId.toHexString(), input: {} }),
    ];
    const yId = y.scenarioId.toHexString();
    const saved = await saveDraft(ctx.db.models, seeded.workspaceId, yId, {
      revision: 0,
      draft: { nodes: yCallsX, edges: [edge('start', 'call')] },
    });
    expect(saved.ok).toBe(true);
    expect((await publishScenario(ctx.db.models, seeded.workspaceId, yId)).ok).toBe(true);
    const [xId] = await queueRuns(ctx.db, x);
    await processRun(deps(), xId!);
    const [yRun] = await childrenOf(xId!);
    expect(await processRun(deps(), yRun!._id.toHexString())).toEqual({ status: 'failed' });
    const refused = stepOf(await runOf(ctx.db, yRun!._id.toHexString()), 'call').error;
    expect(refused).toMatchObject({
      code: 'call_recursion',
      details: { callPath: [x.scenarioId.toHexString(), yId] },
    });
    expect(refused?.message).toContain('would recurse');
    expect(await childrenOf(yRun!._id.toHexString())).toHaveLength(0);
  });

  it('the sweep resumes a parent whose child ended without resuming it; so does the parent’s own check after it suspends', async () => {
    const child = await syncCustomer();
    const parent = await caller(child);
    const [parentId] = await queueRuns(ctx.db, parent);
    await processRun(deps(), parentId!);
    const [created] = await childrenOf(parentId!);
    // The child's runner died after finishing it: no resume happened.
    const longAgo = new Date(Date.now() - 120_000);
    await claimRun(ctx.db.models, created!._id, { owner: 'gone', leaseMs: 10_000 });
    await finishRun(ctx.db.models, created!._id, 'gone', { status: 'succeeded' }, longAgo);

    const report = await sweepOnce(
      { db: ctx.db, queue, logger },
      { afterMs: 30_000, jobLockLifetimeMs: 10_000 },
    );
    expect(report.parentsResumed).toBe(1);
    expect((await runOf(ctx.db, parentId!)).resumeAt!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(await dueJobsOf(parentId!)).toHaveLength(1);
    expect(
      (await sweepOnce({ db: ctx.db, queue, logger }, { afterMs: 30_000, jobLockLifetimeMs: 10_000 }))
        .parentsResumed,
    ).toBe(0);
    expect(await processRun(deps(), parentId!)).toEqual({ status: 'succeeded' });

    // The child ends while its parent is still running: after suspending, the parent resumes itself.
    const [secondId] = await queueRuns(ctx.db, parent);
    await processRun(deps(), secondId!);
    const [second] = await childrenOf(secondId!);
    await claimRun(ctx.db.models, second!._id, { owner: 'other', leaseMs: 10_000 });
    await finishRun(ctx.db.models, second!._id, 'other', { status: 'succeeded' });
    await afterRunSettled(deps(), await runOf(ctx.db, secondId!), 'waiting', {
      callsChildren: true,
      waitsForResumes: false,
      log: logger,
    });
    expect((await runOf(ctx.db, secondId!)).resumeAt!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(await dueJobsOf(secondId!)).toHaveLength(1);
  });

  it('many parents and children racing on two workers: every parent is resumed without the sweep', async () => {
    // Children end while their parents are still suspending, on either worker; the sweep is off, so
    // a resume lost between the child's end and the parent's own check would leave a parent waiting.
    const child = await publish(
      ctx.db,
      seeded.workspaceId,
      [start(), node('result', 'transform', { expression: '{ "n": trigger.customerId }' })],
      [edge('start', 'result')],
    );
    const parent = await caller(child);
    for (const owner of ['race-a', 'race-b']) {
      const worker = await startWorker(
        { db: ctx.db, keyring, http: deps().http, logger, owner },
        { concurrency: 4, processEveryMs: 200, leaseMs: 10_000, shutdownGraceMs: 1_000, sweep: false },
      );
      workers.push(worker);
    }
    const parentIds = await queueRuns(ctx.db, parent, 20, { body: { total: 5 } });
    const done = await eventually(
      async () => {
        const runs = await ctx.db.models.Run.find(
          { _id: { $in: parentIds.map((id) => toObjectId(id)) } },
          { status: 1 },
        )
          .lean<Pick<RunDoc, 'status'>[]>()
          .exec();
        return runs.every((run) => run.status === 'succeeded') ? runs : null;
      },
      60_000,
      async () =>
        JSON.stringify(
          await ctx.db.models.Run.find(
            { _id: { $in: parentIds.map((id) => toObjectId(id)) }, status: { $ne: 'succeeded' } },
            { status: 1, steps: 1 },
          ).lean(),
        ),
    );
    expect(done).toHaveLength(20);
    for (const id of parentIds) expect(await childrenOf(id)).toHaveLength(1);
    for (const worker of workers.splice(0)) await worker.stop();
  });

  it('a worker runs parent and child to the end', async () => {
    const child = await syncCustomer();
    const parent = await caller(child);
    const worker = await startWorker(
      { db: ctx.db, keyring, http: deps().http, logger, owner: 'call-worker' },
      { concurrency: 2, processEveryMs: 200, leaseMs: 10_000, shutdownGraceMs: 1_000, sweep: false },
    );
    workers.push(worker);
    const [parentId] = await queueRuns(ctx.db, parent, 1, { body: { total: 9 } });
    const done = await eventually(
      async () => {
        const run = await runOf(ctx.db, parentId!);
        return run.status === 'succeeded' || run.status === 'failed' ? run : null;
      },
      30_000,
      async () => JSON.stringify(await runOf(ctx.db, parentId!)),
    );
    expect(done.status).toBe('succeeded');
    // Claimed, suspended for the child, claimed again for its outcome.
    expect(done.claims).toBe(2);
    expect(stepOf(done, 'call').output).toMatchObject({
      status: 'succeeded',
      output: { result: { customerId: 9 } },
    });
    expect(await childrenOf(parentId!)).toHaveLength(1);
  });
});
