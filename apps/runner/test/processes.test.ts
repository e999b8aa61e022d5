import { createQueue, scheduleRun, toObjectId } from '@weft/db';
import type { Agenda } from 'agenda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  edge,
  eventually,
  node,
  publish,
  queueRuns,
  runOf,
  type Seeded,
  secretKeysEnv,
  seedWorkspace,
  stepOf,
  useDatabase,
} from './fixtures/seed.js';
import { type RunnerProcess, startRunnerProcess } from './fixtures/runner-process.js';
import { type Sink, startSink } from './fixtures/sink.js';

/**
 * Runners as separate OS processes (`node --import tsx src/main.ts`) against the embedded
 * database and a real local sink: crash recovery, graceful shutdown, two runners sharing work.
 */

const ctx = useDatabase();
let sink: Sink;
let queue: Agenda;
let seeded: Seeded;
const runners: RunnerProcess[] = [];

function runnerEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    MONGODB_URI: ctx.uri,
    WEFT_SECRET_KEYS: secretKeysEnv,
    WEFT_HTTP_ALLOW_PRIVATE: '127.0.0.1',
    WEFT_RUNNER_LEASE_MS: '1500',
    WEFT_RUNNER_PROCESS_EVERY_MS: '300',
    WEFT_RUNNER_SWEEP_EVERY_MS: '500',
    WEFT_RUNNER_SWEEP_AFTER_MS: '1000',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

async function startRunner(name: string, extra: Record<string, string> = {}): Promise<RunnerProcess> {
  const runner = await startRunnerProcess(name, runnerEnv(extra));
  runners.push(runner);
  return runner;
}

const outputs = () => runners.map((r) => `--- ${r.name}\n${r.output().slice(-4_000)}`).join('\n');

beforeAll(async () => {
  sink = await startSink();
  queue = createQueue(ctx.db, { name: 'test-enqueuer' });
  seeded = await seedWorkspace(ctx.db);
});
afterAll(async () => {
  await Promise.all(runners.map((r) => r.stop('SIGKILL')));
  await queue.stop(false);
  await sink.close();
});

async function waitForStatus(runId: string, status: string, timeoutMs: number) {
  return eventually(
    async () => {
      const run = await runOf(ctx.db, runId);
      return run.status === status ? run : null;
    },
    timeoutMs,
    async () => `run ${JSON.stringify(await runOf(ctx.db, runId))}\n${outputs()}`,
  );
}

describe.sequential('runner processes', () => {
  it('a run whose runner is killed (SIGKILL) mid-step finishes on a second runner; no completed step runs twice', async () => {
    // b's first call never answers: the runner dies while it is in flight.
    sink.on('/k-b', (_, count) => (count === 1 ? { after: new Promise(() => {}) } : { body: { b: 2 } }));
    const version = await publish(
      ctx.db,
      seeded.workspaceId,
      [
        node('start', 'trigger.manual', {}),
        node('a', 'http.request', { url: `${sink.url}/k-a` }),
        node('b', 'http.request', { url: `${sink.url}/k-b`, timeoutMs: 60_000 }),
        node('c', 'http.request', { url: `${sink.url}/k-c` }),
      ],
      [edge('start', 'a'), edge('a', 'b'), edge('b', 'c')],
    );
    const [runId] = await queueRuns(ctx.db, version);

    const first = await startRunner('runner-killed');
    await scheduleRun(queue, runId!);
    await sink.waitFor('/k-b', 1, 60_000);
    const midway = await runOf(ctx.db, runId!);
    expect(midway).toMatchObject({ status: 'running', leaseOwner: 'runner-killed' });
    expect(stepOf(midway, 'a')).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(stepOf(midway, 'b')).toMatchObject({ status: 'running', attempts: 1 });

    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();

    const second = await startRunner('runner-second');
    const done = await waitForStatus(runId!, 'succeeded', 60_000);
    expect(done.claims).toBe(2);
    expect(stepOf(done, 'a')).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(stepOf(done, 'b')).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(stepOf(done, 'c')).toMatchObject({ status: 'succeeded', attempts: 1 });
    // Completed steps ran once; only the step in flight at the crash ran again, with the same key.
    expect(sink.count('/k-a')).toBe(1);
    expect(sink.count('/k-c')).toBe(1);
    const bCalls = sink.requests.filter((r) => r.path === '/k-b');
    expect(bCalls).toHaveLength(2);
    expect(new Set(bCalls.map((r) => r.headers['idempotency-key']))).toEqual(new Set([`${runId}:b`]));
    // The log line may still be in the pipe when the database already says succeeded.
    await eventually(async () => second.finishedRunIds().includes(runId!), 30_000, second.output);
    expect(await second.stop()).toBe(0);
  }, 300_000);

  it('a for-each loop whose runner is killed (SIGKILL) during item k resumes on a second runner at item k', async () => {
    // Item 3's first call never answers: the runner dies while it is in flight.
    const k = 3;
    sink.on(`/fe/${k}`, (_, count) => (count === 1 ? { after: new Promise(() => {}) } : { body: { ok: k } }));
    const version = await publish(
      ctx.db,
      seeded.workspaceId,
      [
        node('start', 'trigger.manual', {}),
        node('loop', 'loop.forEach', { items: '{{ trigger.items }}' }),
        node(
          'call',
          'http.request',
          { method: 'POST', url: `${sink.url}/fe/{{ index }}`, body: '{{ item }}', timeoutMs: 60_000 },
          { parentId: 'loop' },
        ),
        node('after', 'http.request', { url: `${sink.url}/fe-done` }),
      ],
      [edge('start', 'loop'), edge('loop', 'call', 'body'), edge('loop', 'after', 'done')],
    );
    const items = Array.from({ length: 6 }, (_, i) => ({ n: i }));
    const [runId] = await queueRuns(ctx.db, version, 1, { items });

    const first = await startRunner('runner-killed-in-loop');
    await scheduleRun(queue, runId!);
    await sink.waitFor(`/fe/${k}`, 1, 15_000);
    const midway = await runOf(ctx.db, runId!);
    expect(midway).toMatchObject({ status: 'running', leaseOwner: 'runner-killed-in-loop' });
    expect(stepOf(midway, 'loop')).toMatchObject({ status: 'running' });
    // The body's steps are stored per item beside the run, not among its steps.
    expect(midway.steps.map((step) => step.nodeId)).toEqual(['start', 'loop', 'after']);

    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();

    const second = await startRunner('runner-second-in-loop');
    const done = await waitForStatus(runId!, 'succeeded', 30_000);
    expect(done.claims).toBe(2);
    // The loop step itself was under way at the crash: its second attempt went on from item k.
    expect(stepOf(done, 'loop')).toMatchObject({ status: 'succeeded', attempts: 2, firedHandles: ['done'] });
    expect(stepOf(done, 'loop')?.output).toMatchObject({ succeeded: 6, failed: 0, notStarted: 0 });
    // Items before k were called exactly once; k twice (in flight at the crash), with one key.
    for (let i = 0; i < 6; i++) expect(sink.count(`/fe/${i}`), `item ${i}`).toBe(i === k ? 2 : 1);
    for (let i = 0; i < 6; i++) {
      const keys = new Set(sink.requests.filter((r) => r.path === `/fe/${i}`).map((r) => r.headers['idempotency-key']));
      expect(keys, `item ${i}`).toEqual(new Set([`${runId}:call:${i}`]));
    }
    expect(sink.count('/fe-done')).toBe(1);
    const stored = await ctx.db.models.RunLoopItem.find({ runId: toObjectId(runId!, 'runId') }).sort({ index: 1 }).lean();
    expect(stored.map((item) => [item.index, item.status, item.steps[0]?.attempts])).toEqual(
      items.map((_, i) => [i, 'succeeded', i === k ? 2 : 1]),
    );
    await eventually(async () => second.finishedRunIds().includes(runId!), 5_000, second.output);
    expect(await second.stop()).toBe(0);
  }, 90_000);

  it('SIGTERM releases a running run to the queue and exits 0; another runner completes it', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    sink.on('/g-slow', (_, count) => (count === 1 ? { after: held } : { body: { ok: true } }));
    const version = await publish(
      ctx.db,
      seeded.workspaceId,
      [node('start', 'trigger.manual', {}), node('slow', 'http.request', { url: `${sink.url}/g-slow` })],
      [edge('start', 'slow')],
    );
    const [runId] = await queueRuns(ctx.db, version);
    const leaving = await startRunner('runner-leaving', { WEFT_RUNNER_SHUTDOWN_GRACE_MS: '300' });
    await scheduleRun(queue, runId!);
    await sink.waitFor('/g-slow', 1, 60_000);

    const stoppedAt = Date.now();
    expect(await leaving.stop('SIGTERM')).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(15_000);
    release();
    const released = await runOf(ctx.db, runId!);
    expect(released).toMatchObject({ status: 'queued', leaseOwner: null });
    expect(leaving.output()).toContain('run released to the queue');

    const takingOver = await startRunner('runner-taking-over');
    const done = await waitForStatus(runId!, 'succeeded', 60_000);
    expect(done.claims).toBe(2);
    expect(sink.count('/g-slow')).toBe(2);
    expect(await takingOver.stop()).toBe(0);
  }, 300_000);

  it('an idle runner picks up new runs through the notification channel, not its polls', async () => {
    const version = await publish(
      ctx.db,
      seeded.workspaceId,
      [node('start', 'trigger.manual', {}), node('log', 'logger', { message: 'hi' })],
      [edge('start', 'log')],
    );
    // Every fallback is far away: Agenda's poll and the sweep a minute, the feed's idle catch-up
    // 30 s. A run picked up within seconds was woken by the change stream on its insert.
    const runner = await startRunner('runner-latency', {
      WEFT_RUNNER_PROCESS_EVERY_MS: '60000',
      WEFT_RUNNER_SWEEP_EVERY_MS: '60000',
      WEFT_RUNNER_SWEEP_AFTER_MS: '60000',
    });
    const latencies: number[] = [];
    const RUNS = 40;
    for (let i = 0; i < RUNS; i++) {
      // Created right before it is enqueued: a queued run without a job for long is the sweeper's.
      const [runId] = await queueRuns(ctx.db, version);
      const enqueuedAt = Date.now();
      await scheduleRun(queue, runId!);
      const run = await eventually(
        async () => {
          const doc = await ctx.db.models.Run.findById(toObjectId(runId!), {
            startedAt: 1,
            status: 1,
          }).lean();
          return doc?.status === 'succeeded' ? doc : null;
        },
        30_000,
        outputs,
      );
      latencies.push(run.startedAt!.getTime() - enqueuedAt);
    }
    latencies.sort((a, b) => a - b);
    const p50 = latencies[Math.floor(latencies.length * 0.5)]!;
    const p99 = latencies[Math.floor(latencies.length * 0.99)]!;
    console.info(`runner pickup latency (enqueue → claimed), ${RUNS} runs: p50 ${p50} ms, p99 ${p99} ms`);
    // A liveness bound, not a speed claim: at most one or two runs can meet a fallback by chance,
    // so the median one was woken by its notification.
    expect(p50).toBeLessThan(10_000);
    expect(await runner.stop()).toBe(0);
  }, 300_000);

  it('two runner processes on 300 runs: every run executed exactly once, both did work', async () => {
    const RUNS = 300;
    const version = await publish(
      ctx.db,
      seeded.workspaceId,
      [
        node('start', 'trigger.manual', {}),
        node('call', 'http.request', {
          method: 'POST',
          url: `${sink.url}/count`,
          body: { run: '{{ run.id }}' },
        }),
      ],
      [edge('start', 'call')],
    );
    // A long lease: this test is about sharing work, and a busy machine must not make a renewal late
    // enough for the other runner to take a run over (takeovers have tests of their own above).
    const longLease = { WEFT_RUNNER_LEASE_MS: '30000' };
    const [one, two] = await Promise.all([
      startRunner('runner-one', longLease),
      startRunner('runner-two', longLease),
    ]);
    const ids = await queueRuns(ctx.db, version, RUNS);
    const started = Date.now();
    for (let i = 0; i < ids.length; i += 25) {
      await Promise.all(ids.slice(i, i + 25).map((id) => scheduleRun(queue, id)));
    }
    await eventually(
      async () =>
        (await ctx.db.models.Run.countDocuments({
          _id: { $in: ids.map((id) => toObjectId(id)) },
          status: 'succeeded',
        })) === RUNS,
      180_000,
      async () =>
        `${await ctx.db.models.Run.countDocuments({ _id: { $in: ids.map((id) => toObjectId(id)) }, status: 'succeeded' })} of ${RUNS} succeeded\n${outputs()}`,
    );
    const elapsed = Date.now() - started;
    // A little longer, in which a second execution of any run would show up at the sink.
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const perRun = new Map<string, number>();
    for (const request of sink.requests.filter((r) => r.path === '/count')) {
      const key = String(request.headers['idempotency-key']);
      perRun.set(key, (perRun.get(key) ?? 0) + 1);
    }
    expect(perRun.size).toBe(RUNS);
    expect([...perRun.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    expect(new Set(perRun.keys())).toEqual(new Set(ids.map((id) => `${id}:call`)));

    const runs = await ctx.db.models.Run.find(
      { _id: { $in: ids.map((id) => toObjectId(id)) } },
      { claims: 1 },
    ).lean();
    expect(runs.filter((r) => r.claims !== 1)).toEqual([]);

    // Stopped first, so every log line is out of the pipes.
    expect(await Promise.all([one!.stop(), two!.stop()])).toEqual([0, 0]);
    const byOne = new Set(one!.finishedRunIds().filter((id) => ids.includes(id)));
    const byTwo = new Set(two!.finishedRunIds().filter((id) => ids.includes(id)));
    console.info(
      `two runners: ${RUNS} runs in ${elapsed} ms (${Math.round((RUNS * 1000) / elapsed)} runs/s); runner-one ${byOne.size}, runner-two ${byTwo.size}`,
    );
    expect(byOne.size).toBeGreaterThan(0);
    expect(byTwo.size).toBeGreaterThan(0);
    expect(byOne.size + byTwo.size).toBe(RUNS);
    expect([...byOne].filter((id) => byTwo.has(id))).toEqual([]);
  }, 300_000);
});
