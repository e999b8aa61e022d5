import type { Step } from '@weft/core';
import { describe, expect, it } from 'vitest';
import {
  appendRunLogs,
  applyRetention,
  claimScheduleTick,
  createRuns,
  createWorkspace,
  JOBS_COLLECTION,
  markScheduleTickDispatched,
  newObjectId,
  pruneFinishedJobs,
  pruneRunLogs,
  pruneStepOutputs,
  type RetentionPolicy,
} from '../src/index.js';
import { useDatabase } from './setup.js';

const ctx = useDatabase();
const DAY = 86_400_000;
const now = new Date(Date.UTC(2030, 5, 1));
const daysAgo = (days: number) => new Date(now.getTime() - days * DAY);

function succeededStep(nodeId: string): Step {
  return {
    nodeId,
    nodeType: 'logger',
    status: 'succeeded',
    attempts: 1,
    firedHandles: null,
    inputSummary: { in: { secret: 'input' } },
    output: { big: 'output' },
    outputTruncated: false,
    error: null,
    startedAt: daysAgo(40),
    finishedAt: daysAgo(40),
    durationMs: 3,
    resumeAt: null,
  };
}

async function finishedRun(
  workspaceId: ReturnType<typeof newObjectId>,
  createdAt: Date,
  finishedAt: Date | null,
) {
  const [id] = await createRuns(
    ctx.db.models,
    [
      {
        workspaceId,
        scenarioId: newObjectId(),
        scenarioVersionId: newObjectId(),
        version: 1,
        trigger: { kind: 'manual' },
        correlationId: 'c',
        input: { a: 1 },
        nodes: [{ id: 'log', type: 'logger' }],
        steps: [succeededStep('log')],
      },
    ],
    createdAt,
  );
  await ctx.db.models.Run.updateOne(
    { _id: id },
    { $set: { status: finishedAt ? 'succeeded' : 'running', finishedAt } },
    { timestamps: false },
  );
  return id!;
}

describe('retention', () => {
  it('deletes run log lines by age and keeps the newest N per workspace', async () => {
    const a = await createWorkspace(ctx.db.models, 'a');
    const b = await createWorkspace(ctx.db.models, 'b');
    const line = (workspaceId: typeof a._id, ts: Date, message: string) => ({
      workspaceId,
      runId: newObjectId(),
      correlationId: 'c',
      nodeId: null,
      attempt: null,
      level: 'info' as const,
      message,
      ts,
    });
    await appendRunLogs(ctx.db.models, [
      line(a._id, daysAgo(40), 'a-old'),
      ...Array.from({ length: 6 }, (_, i) => line(a._id, daysAgo(5 - i * 0.1), `a-${i}`)),
      ...Array.from({ length: 3 }, (_, i) => line(b._id, daysAgo(5 - i * 0.1), `b-${i}`)),
    ]);
    const result = await pruneRunLogs(
      ctx.db.models,
      { maxAgeMs: 30 * DAY, maxCount: 4 },
      { now, batchSize: 2 },
    );
    expect(result.deleted).toBe(3);
    const left = await ctx.db.models.RunLog.find({ workspaceId: { $in: [a._id, b._id] } }).lean();
    // a: the 40-day-old line by age, a-0 and a-1 beyond the newest 4; b is within its own 4.
    expect(left.map((l) => l.message).sort()).toEqual(['a-2', 'a-3', 'a-4', 'a-5', 'b-0', 'b-1', 'b-2']);
  });

  it('removes steps outputs of old finished runs and of runs beyond the newest N, keeping the runs', async () => {
    const ws = await createWorkspace(ctx.db.models, 'outputs');
    const old = await finishedRun(ws._id, daysAgo(40), daysAgo(40));
    const oldButRunning = await finishedRun(ws._id, daysAgo(40), null);
    const recent = await Promise.all([1, 2, 3].map((d) => finishedRun(ws._id, daysAgo(d), daysAgo(d))));
    // Fetched pages of paginated requests are outputs: they go with them.
    const pageOf = (runId: typeof old) => ({
      workspaceId: ws._id,
      runId,
      nodeId: 'list',
      itemIndex: null,
      page: 1,
      url: 'https://api.example.com/contacts',
      status: 200,
      items: [1],
      next: null,
      attempt: 1,
      fetchedAt: daysAgo(40),
      updatedAt: daysAgo(40),
    });
    await ctx.db.models.RunHttpPage.collection.insertMany([pageOf(old), pageOf(recent[0]!)]);
    const result = await pruneStepOutputs(ctx.db.models, { maxAgeMs: 30 * DAY, maxCount: 2 }, { now });
    expect(await ctx.db.models.RunHttpPage.countDocuments({ runId: old })).toBe(0);
    expect(await ctx.db.models.RunHttpPage.countDocuments({ runId: recent[0] })).toBe(1);
    expect(result.pruned).toBe(2); // `old` by age, the 3-day-old one by count

    const pruned = await ctx.db.models.Run.findById(old).lean();
    expect(pruned?.outputsPrunedAt).toEqual(now);
    expect(pruned?.steps[0]).not.toHaveProperty('output');
    expect(pruned?.steps[0]).not.toHaveProperty('inputSummary');
    expect(pruned?.steps[0]).toMatchObject({ status: 'succeeded', attempts: 1, durationMs: 3 });
    expect(pruned?.input).toEqual({ a: 1 });
    expect((await ctx.db.models.Run.findById(oldButRunning).lean())?.steps[0]?.output).toEqual({
      big: 'output',
    });
    const states = await Promise.all(recent.map((id) => ctx.db.models.Run.findById(id).lean()));
    expect(states.map((r) => r?.outputsPrunedAt ?? null)).toEqual([null, null, now]);
    // Idempotent.
    expect((await pruneStepOutputs(ctx.db.models, { maxAgeMs: 30 * DAY, maxCount: 2 }, { now })).pruned).toBe(
      0,
    );
  });

  it('deletes finished Agenda jobs by age and count, never due or locked ones', async () => {
    const jobs = ctx.db.connection.db!.collection(JOBS_COLLECTION);
    await jobs.deleteMany({});
    const job = (name: string, fields: Record<string, unknown>) => ({
      name,
      data: {},
      priority: 0,
      nextRunAt: null,
      lockedAt: null,
      lastFinishedAt: null,
      ...fields,
    });
    await jobs.insertMany([
      job('old-failed', { lastFinishedAt: daysAgo(10), failedAt: daysAgo(10) }),
      job('recent-1', { lastFinishedAt: daysAgo(1) }),
      job('recent-2', { lastFinishedAt: daysAgo(2) }),
      job('recent-3', { lastFinishedAt: daysAgo(3) }),
      job('due', { nextRunAt: daysAgo(10), lastFinishedAt: daysAgo(10) }),
      job('locked', { lockedAt: daysAgo(10), lastFinishedAt: daysAgo(10) }),
      job('never-ran', {}),
    ]);
    const result = await pruneFinishedJobs(ctx.db.models, { maxAgeMs: 7 * DAY, maxCount: 2 }, { now });
    expect(result.deleted).toBe(2);
    const left = (await jobs.find({}).toArray()).map((j) => j.name).sort();
    expect(left).toEqual(['due', 'locked', 'never-ran', 'recent-1', 'recent-2']);
  });

  it('applies a whole policy, with limits off as null, and prunes dispatched old schedule ticks', async () => {
    const tick = await claimScheduleTick(ctx.db.models, {
      workspaceId: newObjectId(),
      scenarioId: newObjectId(),
      scenarioVersionId: newObjectId(),
      tickAt: daysAgo(60),
      firedAt: daysAgo(60),
    });
    const undispatched = await claimScheduleTick(ctx.db.models, {
      workspaceId: newObjectId(),
      scenarioId: newObjectId(),
      scenarioVersionId: newObjectId(),
      tickAt: daysAgo(60),
      firedAt: daysAgo(60),
    });
    if (!tick.claimed || !undispatched.claimed) throw new Error('expected claims');
    await markScheduleTickDispatched(ctx.db.models, tick.tick._id, daysAgo(60));
    const off = { maxAgeMs: null, maxCount: null };
    const policy: RetentionPolicy = {
      runLogs: off,
      stepOutputs: off,
      finishedJobs: { maxAgeMs: 7 * DAY, maxCount: null },
    };
    const report = await applyRetention(ctx.db.models, policy, { now });
    expect(report).toMatchObject({
      runLogsDeleted: 0,
      runsOutputsPruned: 0,
      scheduleTicksDeleted: 1,
      incomplete: false,
    });
    expect(await ctx.db.models.ScheduleTick.exists({ _id: undispatched.tick._id })).toBeTruthy();
  });

  it('stops at the deadline and says so', async () => {
    const report = await applyRetention(
      ctx.db.models,
      {
        runLogs: { maxAgeMs: DAY, maxCount: null },
        stepOutputs: { maxAgeMs: DAY, maxCount: null },
        finishedJobs: { maxAgeMs: DAY, maxCount: null },
      },
      { now, deadline: Date.now() - 1 },
    );
    expect(report.incomplete).toBe(true);
  });
});
