import type { Agenda } from 'agenda';
import { describe, expect, it } from 'vitest';
import {
  claimRun,
  createRuns,
  listRunWaits,
  newObjectId,
  openRunWait,
  releaseRun,
  resolveRunWait,
  resumeRunOfWait,
  type RunDoc,
  runWaitsToResume,
  timeOutRunWait,
  unresumedRunWaits,
} from '../src/index.js';
import { useDatabase } from './setup.js';

const ctx = useDatabase();
const workspaceId = newObjectId();
const HOUR = 3_600_000;

async function waitingRun(): Promise<RunDoc> {
  const [id] = await createRuns(ctx.db.models, [
    {
      workspaceId,
      scenarioId: newObjectId(),
      scenarioVersionId: newObjectId(),
      version: 1,
      trigger: { kind: 'manual' },
      correlationId: 'corr-wait',
      input: null,
      nodes: [{ id: 'approve', type: 'wait.approval' }],
    },
  ]);
  return (await ctx.db.models.Run.findById(id).lean<RunDoc>())!;
}

function recordingQueue() {
  const jobs: unknown[] = [];
  const queue = { now: async (_name: string, data: unknown) => void jobs.push(data) } as unknown as Agenda;
  return { queue, jobs };
}

const decide = (run: RunDoc, by: string, extra: Record<string, unknown> = {}) =>
  resolveRunWait(ctx.db.models, {
    workspaceId,
    runId: run._id,
    nodeId: 'approve',
    decision: 'approved',
    by,
    data: { note: by },
    ...extra,
  });

describe('run waits', () => {
  it('are opened once per step: a later open returns the first deadline and any resolution', async () => {
    const run = await waitingRun();
    const expiresAt = new Date(Date.now() + HOUR);
    const first = await openRunWait(ctx.db.models, {
      run,
      nodeId: 'approve',
      kind: 'approval',
      expiresAt,
      message: 'ok?',
    });
    expect(first).toMatchObject({
      _id: `${run._id.toHexString()}:approve`,
      expiresAt,
      message: 'ok?',
      resolvedAt: null,
    });
    const again = await openRunWait(ctx.db.models, {
      run,
      nodeId: 'approve',
      kind: 'approval',
      expiresAt: new Date(Date.now() + 2 * HOUR),
    });
    expect(again.expiresAt).toEqual(expiresAt);
    const item = await openRunWait(ctx.db.models, {
      run,
      nodeId: 'approve',
      itemIndex: 2,
      kind: 'approval',
      expiresAt,
    });
    expect(item._id).toBe(`${run._id.toHexString()}:approve:2`);
    expect(await listRunWaits(ctx.db.models, workspaceId, run._id)).toHaveLength(2);
    expect(await listRunWaits(ctx.db.models, newObjectId(), run._id)).toEqual([]);

    expect((await decide(run, 'manager')).ok).toBe(true);
    const seen = await openRunWait(ctx.db.models, { run, nodeId: 'approve', kind: 'approval', expiresAt });
    expect(seen.resolution).toEqual({
      decision: 'approved',
      by: 'manager',
      data: { note: 'manager' },
      timedOut: false,
    });
  });

  it('of concurrent resumes exactly one wins; the others are refused naming who won', async () => {
    const run = await waitingRun();
    await openRunWait(ctx.db.models, {
      run,
      nodeId: 'approve',
      kind: 'approval',
      expiresAt: new Date(Date.now() + HOUR),
    });
    const results = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((by) => decide(run, by)));
    const winners = results.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    const winner = winners[0]!.ok ? winners[0]!.wait.resolution?.by : undefined;
    for (const lost of results.filter((r) => !r.ok)) {
      expect(lost).toMatchObject({ ok: false, code: 'already_resolved' });
      if (!lost.ok)
        expect(lost.message).toContain(`cannot be resumed again: it was already approved by ${winner} at`);
    }
  });

  it('refuse a resume of a missing, another workspace’s, expired or timed-out wait, and a timeout after a resume', async () => {
    const run = await waitingRun();
    expect(await decide(run, 'x')).toMatchObject({ ok: false, code: 'not_found' });
    const wait = await openRunWait(ctx.db.models, {
      run,
      nodeId: 'approve',
      kind: 'approval',
      expiresAt: new Date(Date.now() + HOUR),
    });
    expect(await decide(run, 'x', { workspaceId: newObjectId() })).toMatchObject({
      ok: false,
      code: 'not_found',
    });
    expect(await decide(run, 'late', { now: new Date(Date.now() + 2 * HOUR) })).toMatchObject({
      ok: false,
      code: 'expired',
    });

    const timedOut = await timeOutRunWait(ctx.db.models, wait._id);
    expect(timedOut.resolution).toEqual({ decision: null, by: null, data: null, timedOut: true });
    const refused = await decide(run, 'x');
    expect(refused).toMatchObject({ ok: false, code: 'already_resolved' });
    if (!refused.ok) expect(refused.message).toContain('it timed out at');

    const other = await waitingRun();
    const open = await openRunWait(ctx.db.models, {
      run: other,
      nodeId: 'approve',
      kind: 'approval',
      expiresAt: new Date(Date.now() + HOUR),
    });
    await decide(other, 'manager');
    expect((await timeOutRunWait(ctx.db.models, open._id)).resolution).toMatchObject({
      decision: 'approved',
      timedOut: false,
    });
  });

  it('a resume wakes a waiting run; a running one is woken after it suspends or by the sweep', async () => {
    const { queue, jobs } = recordingQueue();
    const run = await waitingRun();
    await claimRun(ctx.db.models, run._id, { owner: 'r1', leaseMs: 30_000 });
    await openRunWait(ctx.db.models, {
      run,
      nodeId: 'approve',
      kind: 'approval',
      expiresAt: new Date(Date.now() + HOUR),
    });
    const resumed = await decide(run, 'manager');
    if (!resumed.ok) throw new Error(resumed.message);
    // Still running (the step has not suspended yet): left to the run and the sweep.
    expect(await resumeRunOfWait(ctx.db.models, queue, resumed.wait)).toBe('running');
    expect(jobs).toEqual([]);
    const far = new Date(Date.now() + HOUR);
    await releaseRun(ctx.db.models, run._id, 'r1', { status: 'waiting', resumeAt: far });
    const owed = await runWaitsToResume(ctx.db.models, run._id);
    expect(owed.map((w) => w._id)).toEqual([resumed.wait._id]);
    const swept = async () =>
      (await unresumedRunWaits(ctx.db.models, new Date(Date.now() + 1_000), 100)).filter((w) =>
        w.runId.equals(run._id),
      );
    expect(await swept()).toHaveLength(1);

    expect(await resumeRunOfWait(ctx.db.models, queue, owed[0]!)).toBe('resumed');
    expect(jobs).toEqual([{ runId: run._id.toHexString() }]);
    expect(await claimRun(ctx.db.models, run._id, { owner: 'r2', leaseMs: 30_000 })).not.toBeNull();
    expect(await runWaitsToResume(ctx.db.models, run._id)).toEqual([]);
    expect(await swept()).toEqual([]);
  });
});
