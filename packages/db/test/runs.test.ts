import { describe, expect, it } from 'vitest';
import {
  claimRun,
  createRuns,
  finishRun,
  LeaseLostError,
  newObjectId,
  pendingStep,
  releaseRun,
  renewLease,
  requestCancel,
  saveStep,
  saveSteps,
} from '../src/index.js';
import { useDatabase } from './setup.js';

const ctx = useDatabase();
const workspaceId = newObjectId();

async function queuedRun(
  nodes = [
    { id: 'trigger', type: 'trigger.manual' },
    { id: 'log', type: 'logger' },
  ],
) {
  const [id] = await createRuns(ctx.db.models, [
    {
      workspaceId,
      scenarioId: newObjectId(),
      scenarioVersionId: newObjectId(),
      version: 1,
      trigger: { kind: 'manual' },
      correlationId: 'corr-1',
      input: { hello: 'world' },
      nodes,
    },
  ]);
  return id!;
}

describe('runs repository', () => {
  it('creates a queued run with a pending step per node', async () => {
    const id = await queuedRun();
    const run = await ctx.db.models.Run.findById(id).lean();
    expect(run?.status).toBe('queued');
    expect(run?.steps.map((s) => [s.nodeId, s.status])).toEqual([
      ['trigger', 'pending'],
      ['log', 'pending'],
    ]);
    expect(run?.startedAt).toBeUndefined();
  });

  it('keeps the trace a run continues, and the claim hands it to the runner; a run without one has none', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const base = {
      workspaceId,
      scenarioId: newObjectId(),
      scenarioVersionId: newObjectId(),
      version: 1,
      trigger: { kind: 'webhook' as const },
      correlationId: 'corr-trace',
      input: {},
      nodes: [{ id: 'trigger', type: 'trigger.webhook' }],
    };
    const [traced, untraced] = await createRuns(ctx.db.models, [{ ...base, trace: { traceparent } }, base]);
    const claimed = await claimRun(ctx.db.models, traced!.toHexString(), { owner: 'r1', leaseMs: 10_000 });
    expect(claimed?.trace).toEqual({ traceparent });
    const plain = await ctx.db.models.Run.findById(untraced).lean();
    expect(plain).not.toHaveProperty('trace');
  });

  it('creating the same run id twice keeps one run (dispatch repair is idempotent)', async () => {
    const _id = newObjectId();
    const run = {
      _id,
      workspaceId,
      scenarioId: newObjectId(),
      scenarioVersionId: newObjectId(),
      version: 1,
      trigger: { kind: 'webhook' as const },
      correlationId: 'c',
      input: null,
      nodes: [],
    };
    await createRuns(ctx.db.models, [run]);
    await createRuns(ctx.db.models, [run]);
    expect(await ctx.db.models.Run.countDocuments({ _id })).toBe(1);
  });

  it('exactly one of 20 concurrent claimers wins a queued run', async () => {
    const id = await queuedRun();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        claimRun(ctx.db.models, id, { owner: `runner-${i}`, leaseMs: 30_000 }),
      ),
    );
    const winners = results.filter((r) => r !== null);
    expect(winners).toHaveLength(1);
    const stored = await ctx.db.models.Run.findById(id).lean();
    expect(stored?.leaseOwner).toBe(winners[0]?.leaseOwner);
    expect(stored?.status).toBe('running');
    expect(stored?.claims).toBe(1);
    expect(stored?.startedAt).toBeInstanceOf(Date);
  });

  it('a running run is taken over only after its lease expired, keeping its first start time', async () => {
    const id = await queuedRun();
    const t0 = new Date('2030-01-01T00:00:00Z');
    const first = await claimRun(ctx.db.models, id, { owner: 'a', leaseMs: 10_000, now: t0 });
    expect(first?.leaseOwner).toBe('a');
    const early = await claimRun(ctx.db.models, id, {
      owner: 'b',
      leaseMs: 10_000,
      now: new Date(t0.getTime() + 5_000),
    });
    expect(early).toBeNull();
    const late = await claimRun(ctx.db.models, id, {
      owner: 'b',
      leaseMs: 10_000,
      now: new Date(t0.getTime() + 11_000),
    });
    expect(late?.leaseOwner).toBe('b');
    expect(late?.claims).toBe(2);
    expect(late?.startedAt?.toISOString()).toBe(t0.toISOString());
  });

  it('steps are saved in place while the lease is held, and refused after it is lost', async () => {
    const id = await queuedRun();
    const t0 = new Date('2030-01-01T00:00:00Z');
    await claimRun(ctx.db.models, id, { owner: 'a', leaseMs: 1_000, now: t0 });
    const step = {
      ...pendingStep('log', 'logger'),
      status: 'succeeded' as const,
      attempts: 1,
      output: { ok: true },
    };
    await saveStep(ctx.db.models, id, 'a', step);
    let run = await ctx.db.models.Run.findById(id).lean();
    expect(run?.steps.find((s) => s.nodeId === 'log')).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      output: { ok: true },
    });
    expect(run?.steps).toHaveLength(2);

    await claimRun(ctx.db.models, id, { owner: 'b', leaseMs: 1_000, now: new Date(t0.getTime() + 2_000) });
    await expect(saveStep(ctx.db.models, id, 'a', { ...step, attempts: 9 })).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    await expect(renewLease(ctx.db.models, id, 'a', 1_000)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(finishRun(ctx.db.models, id, 'a', { status: 'succeeded' })).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    run = await ctx.db.models.Run.findById(id).lean();
    expect(run?.steps.find((s) => s.nodeId === 'log')?.attempts).toBe(1);
    expect(run?.status).toBe('running');
  });

  it('a released run waits until claimed again; a finished run cannot be claimed', async () => {
    const id = await queuedRun();
    await claimRun(ctx.db.models, id, { owner: 'a', leaseMs: 30_000 });
    const resumeAt = new Date(Date.now() + 60_000);
    await releaseRun(ctx.db.models, id, 'a', { status: 'waiting', resumeAt });
    let run = await ctx.db.models.Run.findById(id).lean();
    expect(run).toMatchObject({ status: 'waiting', leaseOwner: null });
    expect(run?.resumeAt?.toISOString()).toBe(resumeAt.toISOString());

    expect(await claimRun(ctx.db.models, id, { owner: 'b', leaseMs: 30_000, now: resumeAt })).not.toBeNull();
    await finishRun(ctx.db.models, id, 'b', {
      status: 'failed',
      error: { code: 'http_4xx', message: 'nope', retryable: false },
    });
    run = await ctx.db.models.Run.findById(id).lean();
    expect(run).toMatchObject({ status: 'failed', leaseOwner: null, error: { code: 'http_4xx' } });
    expect(run?.finishedAt).toBeInstanceOf(Date);
    expect(await claimRun(ctx.db.models, id, { owner: 'c', leaseMs: 30_000 })).toBeNull();
  });

  it('a waiting run is claimed only once its resumeAt is due', async () => {
    const id = await queuedRun();
    const t0 = new Date('2030-01-01T00:00:00Z');
    await claimRun(ctx.db.models, id, { owner: 'a', leaseMs: 30_000, now: t0 });
    await releaseRun(
      ctx.db.models,
      id,
      'a',
      { status: 'waiting', resumeAt: new Date(t0.getTime() + 60_000) },
      t0,
    );
    expect(
      await claimRun(ctx.db.models, id, {
        owner: 'b',
        leaseMs: 30_000,
        now: new Date(t0.getTime() + 30_000),
      }),
    ).toBeNull();
    expect(
      await claimRun(ctx.db.models, id, {
        owner: 'b',
        leaseMs: 30_000,
        now: new Date(t0.getTime() + 59_900),
      }),
    ).not.toBeNull();
  });

  it('several steps are saved in one write under the lease', async () => {
    const id = await queuedRun();
    await claimRun(ctx.db.models, id, { owner: 'a', leaseMs: 30_000 });
    await saveSteps(ctx.db.models, id, 'a', [
      { ...pendingStep('trigger', 'trigger.manual'), status: 'succeeded', attempts: 1, output: { t: 1 } },
      { ...pendingStep('log', 'logger'), status: 'skipped' },
    ]);
    const run = await ctx.db.models.Run.findById(id).lean();
    expect(run?.steps.map((s) => [s.nodeId, s.status])).toEqual([
      ['trigger', 'succeeded'],
      ['log', 'skipped'],
    ]);
    await expect(saveSteps(ctx.db.models, id, 'b', [pendingStep('log', 'logger')])).rejects.toBeInstanceOf(
      LeaseLostError,
    );
  });

  it('a step write with leaseMs extends the lease, so the run cannot be taken over mid-effect', async () => {
    const id = await queuedRun();
    const t0 = new Date();
    await claimRun(ctx.db.models, id, { owner: 'a', leaseMs: 1_000, now: t0 });
    // Just before the lease would run out, the write ahead of an effect gives it a whole lease.
    await saveSteps(ctx.db.models, id, 'a', [{ ...pendingStep('call', 'http.request'), status: 'running' }], {
      leaseMs: 1_000,
      now: new Date(t0.getTime() + 900),
    });
    const takeOver = (ms: number) =>
      claimRun(ctx.db.models, id, { owner: 'b', leaseMs: 1_000, now: new Date(t0.getTime() + ms) });
    expect(await takeOver(1_500)).toBeNull();
    expect((await takeOver(2_000))?.leaseOwner).toBe('b');
    // The fence: the first owner's next write fails, so it starts no further effect.
    await expect(saveSteps(ctx.db.models, id, 'a', [pendingStep('call', 'http.request')], { leaseMs: 1_000 })).rejects.toBeInstanceOf(
      LeaseLostError,
    );
  });

  it('cancelling a queued run ends it; cancelling a running run asks it to stop', async () => {
    const queued = await queuedRun();
    expect(await requestCancel(ctx.db.models, workspaceId, queued)).toBe('cancelled');
    expect(await claimRun(ctx.db.models, queued, { owner: 'a', leaseMs: 1_000 })).toBeNull();

    const running = await queuedRun();
    await claimRun(ctx.db.models, running, { owner: 'a', leaseMs: 30_000 });
    expect(await requestCancel(ctx.db.models, workspaceId, running)).toBe('requested');
    expect((await ctx.db.models.Run.findById(running).lean())?.cancelRequested).toBe(true);
    expect(await requestCancel(ctx.db.models, newObjectId(), running)).toBe('not_cancellable');
  });
});
