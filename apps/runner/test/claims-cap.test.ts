import { claimRun, createQueue, listRunLogs, releaseRun } from '@weft/db';
import { parseAllowList } from '@weft/core/net';
import type { Agenda } from 'agenda';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../src/execution/http-client.js';
import { DEFAULT_MAX_CLAIMS, type ProcessRunDeps, processRun } from '../src/execution/process-run.js';
import { edge, keyring, node, publish, queueRuns, runOf, type Seeded, seedWorkspace, useDatabase } from './fixtures/seed.js';
import { type Sink, startSink } from './fixtures/sink.js';

const ctx = useDatabase();
let sink: Sink;
let queue: Agenda;
let seeded: Seeded;

function deps(overrides: Partial<ProcessRunDeps> = {}): ProcessRunDeps {
  return {
    db: ctx.db,
    queue,
    keyring,
    http: createHttpClient({ allowList: parseAllowList('127.0.0.1') }),
    logger: pino({ level: 'silent' }),
    owner: 'test-runner',
    leaseMs: 10_000,
    ...overrides,
  };
}

beforeAll(async () => {
  sink = await startSink();
  queue = createQueue(ctx.db, { name: 'claims-cap-enqueuer' });
  seeded = await seedWorkspace(ctx.db);
});
afterAll(async () => {
  await queue.stop(false);
  await sink.close();
});

/** A run that calls the sink, so running it at all is visible. */
async function sinkRun(): Promise<string> {
  const version = await publish(
    ctx.db,
    seeded.workspaceId,
    [node('start', 'trigger.manual', {}), node('call', 'http.request', { method: 'POST', url: `${sink.url}/poison` })],
    [edge('start', 'call')],
  );
  const [runId] = await queueRuns(ctx.db, version);
  return runId!;
}

/**
 * Claims the run `times` times by runners that then vanish (each lease long expired): what a
 * runner crashing on the run, or a run handed back after every attempt, leaves behind.
 */
async function claimAndVanish(runId: string, times: number): Promise<void> {
  const base = Date.UTC(2020, 0, 1);
  for (let i = 0; i < times; i++) {
    const claimed = await claimRun(ctx.db.models, runId, {
      owner: `crashed-${i}`,
      leaseMs: 1_000,
      now: new Date(base + i * 60_000),
    });
    expect(claimed).not.toBeNull();
  }
}

function sinkCalls() {
  return sink.count('/poison');
}

describe('the claims cap', () => {
  it('is 10 unless set', () => {
    expect(DEFAULT_MAX_CLAIMS).toBe(10);
  });

  it('a run claimed more often than the cap without settling is dead-lettered with the reason, not run', async () => {
    const runId = await sinkRun();
    await claimAndVanish(runId, 3);
    expect((await runOf(ctx.db, runId)).unsettledClaims).toBe(3);
    const before = sinkCalls();

    expect(await processRun(deps({ maxClaims: 3 }), runId)).toEqual({ status: 'dead' });

    const run = await runOf(ctx.db, runId);
    expect(run).toMatchObject({
      status: 'dead',
      claims: 4,
      leaseOwner: null,
      error: { code: 'claims_exhausted', retryable: false, details: { claims: 4, maxClaims: 3 } },
    });
    expect(run.error?.message).toContain('claimed 4 times without finishing');
    expect(run.error?.message).toContain('WEFT_RUNNER_MAX_CLAIMS');
    expect(sinkCalls()).toBe(before);
    const logs = await listRunLogs(ctx.db.models, { workspaceId: seeded.workspaceId, runId: run._id, limit: 50 });
    expect(logs.map((l) => [l.level, l.message])).toContainEqual(['error', run.error!.message]);
  });

  it('the default cap lets the tenth claim run and dead-letters the eleventh', async () => {
    const ran = await sinkRun();
    await claimAndVanish(ran, DEFAULT_MAX_CLAIMS - 1);
    expect(await processRun(deps(), ran)).toEqual({ status: 'succeeded' });

    const poisoned = await sinkRun();
    await claimAndVanish(poisoned, DEFAULT_MAX_CLAIMS);
    expect(await processRun(deps(), poisoned)).toEqual({ status: 'dead' });
    expect((await runOf(ctx.db, poisoned)).error?.code).toBe('claims_exhausted');
  });

  it("a release by the run's own outcome starts the count over; an error hand-back does not", async () => {
    const runId = await sinkRun();
    await claimAndVanish(runId, 2);
    const claimed = await claimRun(ctx.db.models, runId, { owner: 'a', leaseMs: 10_000 });
    // An error hand-back keeps counting.
    await releaseRun(ctx.db.models, runId, 'a', { status: 'queued' });
    expect((await runOf(ctx.db, runId)).unsettledClaims).toBe(claimed!.unsettledClaims);
    await claimRun(ctx.db.models, runId, { owner: 'b', leaseMs: 10_000 });
    // Suspending (a delay, a long backoff, a wait) is the run settling.
    await releaseRun(ctx.db.models, runId, 'b', { status: 'waiting', resumeAt: new Date(0), settled: true });
    expect((await runOf(ctx.db, runId)).unsettledClaims).toBe(0);
    expect(await processRun(deps({ maxClaims: 1 }), runId)).toEqual({ status: 'succeeded' });
    expect((await runOf(ctx.db, runId)).claims).toBe(5);
  });
});
