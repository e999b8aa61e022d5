import { verifyWebhook } from '@weft/core/hmac';
import { claimRun, JOBS_COLLECTION, listRunLogs, requestCancel, scheduleRun, toObjectId } from '@weft/db';
import { describe, expect, it } from 'vitest';
import { processRun } from '../src/execution/process-run.js';
import { startWorker } from '../src/worker.js';
import {
  edge,
  eventually,
  keyring,
  node,
  publish,
  queueRuns,
  runOf,
  seedWorkspace,
  stepOf,
} from './fixtures/seed.js';
import { setUpRuns, useSink } from './fixtures/run-setup.js';

const sink = await useSink();
const { ctx, queue, seeded, workers, logger, deps } = await setUpRuns({ name: 'test-enqueuer' });

const trigger = () => node('start', 'trigger.manual', {});

describe('processRun', () => {
  it('runs a scenario to success: steps and run logs recorded, the HTTP node calls the sink with the idempotency key', async () => {
    const version = await publish(
      ctx.db,
      seeded.workspaceId,
      [
        trigger(),
        node('shape', 'transform', { expression: '{ "doubled": trigger.body.total * 2 }' }),
        node('call', 'http.request', {
          method: 'POST',
          url: `${sink.url}/orders`,
          body: { doubled: '{{ nodes.shape.doubled }}' },
        }),
        node('log', 'logger', { message: 'sink answered {{ nodes.call.status }}', data: { n: 1 } }),
      ],
      [edge('start', 'shape'), edge('shape', 'call'), edge('call', 'log')],
    );
    const [runId] = await queueRuns(ctx.db, version);
    expect(await processRun(deps(), runId!)).toEqual({ status: 'succeeded' });

    const run = await runOf(ctx.db, runId!);
    expect(run).toMatchObject({ status: 'succeeded', leaseOwner: null, error: null, claims: 1 });
    expect(run.finishedAt).toBeInstanceOf(Date);
    expect(run.steps.map((s) => [s.nodeId, s.status, s.attempts])).toEqual([
      ['start', 'succeeded', 1],
      ['shape', 'succeeded', 1],
      ['call', 'succeeded', 1],
      ['log', 'succeeded', 1],
    ]);
    expect(stepOf(run, 'call').output).toMatchObject({ status: 200, body: { ok: true, path: '/orders' } });
    expect(stepOf(run, 'call').durationMs).toBeGreaterThanOrEqual(0);

    const request = sink.requests.find((r) => r.path === '/orders')!;
    expect(request.headers['idempotency-key']).toBe(`${runId}:call`);
    expect(JSON.parse(request.body)).toEqual({ doubled: 300 });

    const logs = await listRunLogs(ctx.db.models, {
      workspaceId: seeded.workspaceId,
      runId: toObjectId(runId!),
      limit: 100,
    });
    const line = logs.find((l) => l.nodeId === 'log');
    expect(line).toMatchObject({ level: 'info', message: 'sink answered 200', attempt: 1, data: { n: 1 } });
    expect((line as unknown as { correlationId: string }).correlationId).toBe(run.correlationId);
  });

  it('skips the branch not taken', async () => {
    const version = await publish(
      ctx.db,
      seeded.workspaceId,
      [
        trigger(),
        node('check', 'condition', { expression: 'trigger.body.total > 1000' }),
        node('big', 'http.request', { url: `${sink.url}/big-order` }),
        node('after_big', 'logger', { message: 'after big' }),
        node('small', 'logger', { message: 'small order' }),
      ],
      [
        edge('start', 'check'),
        edge('check', 'big', 'true'),
        edge('big', 'after_big'),
        edge('check', 'small', 'false'),
      ],
    );
    const [runId] = await queueRuns(ctx.db, version);
    expect(await processRun(deps(), runId!)).toEqual({ status: 'succeeded' });
    const run = await runOf(ctx.db, runId!);
    expect(stepOf(run, 'check')).toMatchObject({ status: 'succeeded', firedHandles: ['false'] });
    expect(stepOf(run, 'big').status).toBe('skipped');
    expect(stepOf(run, 'after_big').status).toBe('skipped');
    expect(stepOf(run, 'small').status).toBe('succeeded');
    expect(sink.count('/big-order')).toBe(0);
  });

  it('retries a node that fails twice (503) and succeeds on the third attempt, with backoff between', async () => {
    sink.on('/flaky', (_, count) =>
      count <= 2 ? { status: 503, body: { busy: true } } : { body: { done: true } },
    );
    const version = await publish(
      ctx.db,
      seeded.workspaceId,
      [
        trigger(),
        node(
          'call',
          'http.request',
          { url: `${sink.url}/flaky` },
          { retry: { initialDelayMs: 100, maxDelayMs: 400 } },
        ),
      ],
      [edge('start', 'call')],
    );
    const [runId] = await queueRuns(ctx.db, version);
    expect(await processRun(deps(), runId!)).toEqual({ status: 'succeeded' });
    const run = await runOf(ctx.db, runId!);
    expect(stepOf(run, 'call')).toMatchObject({ status: 'succeeded', attempts: 3, error: null });
    expect(sink.count('/flaky')).toBe(3);

    const logs = await listRunLogs(ctx.db.models, {
      workspaceId: seeded.workspaceId,
      runId: toObjectId(runId!),
      limit: 100,
    });
    const retries = logs.filter((l) => l.level === 'warn' && l.nodeId === 'call');
    expect(retries.map((l) => l.message)).toEqual([
      expect.stringMatching(/^attempt 1 failed \(http_5xx\); retrying in \d+ ms$/),
      expect.stringMatching(/^attempt 2 failed \(http_5xx\); retrying in \d+ ms$/),
    ]);
    // The waits were slept between the attempts: each gap is at least the announced delay.
    const delays = retries.map((l) => (l.data as { delayMs: number }).delayMs);
    expect(delays[0]).toBeLessThanOrEqual(100);
    expect(delays[1]).toBeLessThanOrEqual(200);
    const times = sink.requests.filter((r) => r.path === '/flaky').map((r) => r.at);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(Math.max(0, delays[0]! - 5));
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(Math.max(0, delays[1]! - 5));
  });

  it('a fatal error (404) fails the run at once, naming the node', async () => {
    sink.on('/missing', () => ({ status: 404, body: { error: 'no such order' } }));
    const version = await publish(
      ctx.db,
      seeded.workspaceId,
      [
        trigger(),
        node('call', 'http.request', { url: `${sink.url}/missing` }),
        node('log', 'logger', { message: 'x' }),
      ],
      [edge('start', 'call'), edge('call', 'log')],
    );
    const [runId] = await queueRuns(ctx.db, version);
    expect(await processRun(deps(), runId!)).toEqual({ status: 'failed' });
    const run = await runOf(ctx.db, runId!);
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({
      code: 'http_4xx',
      retryable: false,
      details: { nodeId: 'call', status: 404 },
    });
    expect(run.error?.message).toMatch(/^node "call": HTTP 404 Not Found/);
    expect(stepOf(run, 'call')).toMatchObject({ status: 'failed', attempts: 1 });
    expect(stepOf(run, 'log').status).toBe('pending');
    expect(sink.count('/missing')).toBe(1);
  });

  it('a node that exhausts its retries makes the run dead', async () => {
    sink.on('/down', () => ({ status: 503, body: 'down' }));
    const version = await publish(
      ctx.db,
      seeded.workspaceId,
      [
        trigger(),
        node(
          'call',
          'http.request',
          { url: `${sink.url}/down` },
          { retry: { maxAttempts: 2, initialDelayMs: 10 } },
        ),
      ],
      [edge('start', 'call')],
    );
    const [runId] = await queueRuns(ctx.db, version);
    expect(await processRun(deps(), runId!)).toEqual({ status: 'dead' });
    const run = await runOf(ctx.db, runId!);
    expect(run).toMatchObject({ status: 'dead', error: { code: 'http_5xx', retryable: true } });
    expect(stepOf(run, 'call')).toMatchObject({ status: 'failed', attempts: 2 });
    expect(sink.count('/down')).toBe(2);
  });

  it('webhook.send posts a Standard-Webhooks-signed body the receiver verifies', async () => {
    const version = await publish(
      ctx.db,
      seeded.workspaceId,
      [
        trigger(),
        node('notify', 'webhook.send', {
          url: `${sink.url}/partner-hook`,
          connectionId: seeded.connectionId.toHexString(),
          eventType: 'order.shipped',
          payload: { total: '{{ trigger.body.total }}' },
        }),
      ],
      [edge('start', 'notify')],
    );
    const [runId] = await queueRuns(ctx.db, version);
    expect(await processRun(deps(), runId!)).toEqual({ status: 'succeeded' });
    const request = sink.requests.find((r) => r.path === '/partner-hook')!;
    const verdict = verifyWebhook({
      config: { scheme: 'standard-webhooks' },
      secret: seeded.signingSecret,
      headers: request.headers as Record<string, string>,
      rawBody: Buffer.from(request.body, 'utf8'),
    });
    expect(verdict).toMatchObject({ ok: true, deliveryId: `msg_${runId}_notify` });
    expect(request.headers['idempotency-key']).toBe(`${runId}:notify`);
    expect(JSON.parse(request.body)).toMatchObject({ type: 'order.shipped', data: { total: 150 } });

    // A wrong secret does not verify: the signature really covers the body.
    const forged = verifyWebhook({
      config: { scheme: 'standard-webhooks' },
      secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
      headers: request.headers as Record<string, string>,
      rawBody: Buffer.from(request.body, 'utf8'),
    });
    expect(forged.ok).toBe(false);
  });

  it('a connection of another workspace (or none) is a fatal secret_missing', async () => {
    const other = await seedWorkspace(ctx.db);
    const version = await publish(
      ctx.db,
      seeded.workspaceId,
      [
        trigger(),
        node('call', 'http.request', {
          url: `${sink.url}/authed`,
          connectionId: other.connectionId.toHexString(),
          auth: { kind: 'bearer' },
        }),
      ],
      [edge('start', 'call')],
    );
    const [runId] = await queueRuns(ctx.db, version);
    expect(await processRun(deps(), runId!)).toEqual({ status: 'failed' });
    const run = await runOf(ctx.db, runId!);
    expect(run.error).toMatchObject({ code: 'secret_missing', retryable: false });
    expect(sink.count('/authed')).toBe(0);
  });

  it('an SSRF-blocked target fails the run without retries', async () => {
    const version = await publish(
      ctx.db,
      seeded.workspaceId,
      [trigger(), node('call', 'http.request', { url: 'http://169.254.169.254/latest/meta-data/' })],
      [edge('start', 'call')],
    );
    const [runId] = await queueRuns(ctx.db, version);
    expect(await processRun(deps(), runId!)).toEqual({ status: 'failed' });
    const run = await runOf(ctx.db, runId!);
    expect(run.error).toMatchObject({ code: 'ssrf_blocked' });
    expect(stepOf(run, 'call').attempts).toBe(1);
  });

  it('a run that cannot be claimed is left alone', async () => {
    const version = await publish(ctx.db, seeded.workspaceId, [trigger()], []);
    const [finished, leased] = await queueRuns(ctx.db, version, 2);
    expect(await processRun(deps(), finished!)).toEqual({ status: 'succeeded' });
    expect(await processRun(deps(), finished!)).toEqual({ status: 'not_claimed' });

    await claimRun(ctx.db.models, leased!, { owner: 'another-runner', leaseMs: 60_000 });
    expect(await processRun(deps(), leased!)).toEqual({ status: 'not_claimed' });
    expect(await runOf(ctx.db, leased!)).toMatchObject({ status: 'running', leaseOwner: 'another-runner' });
  });

  it('a cancel requested while a step runs stops the run before its next step', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    sink.on('/slow-a', () => ({ after: held }));
    const version = await publish(
      ctx.db,
      seeded.workspaceId,
      [
        trigger(),
        node('a', 'http.request', { url: `${sink.url}/slow-a` }),
        node('b', 'http.request', { url: `${sink.url}/b` }),
      ],
      [edge('start', 'a'), edge('a', 'b')],
    );
    const [runId] = await queueRuns(ctx.db, version);
    const result = processRun(deps(), runId!);
    await sink.waitFor('/slow-a');
    expect(await requestCancel(ctx.db.models, seeded.workspaceId, runId!)).toBe('requested');
    await new Promise((resolve) => setTimeout(resolve, 300));
    release();
    expect(await result).toEqual({ status: 'cancelled' });
    const run = await runOf(ctx.db, runId!);
    expect(run.status).toBe('cancelled');
    expect(stepOf(run, 'a').status).toBe('succeeded');
    expect(stepOf(run, 'b').status).toBe('pending');
    expect(sink.count('/b')).toBe(0);
  });

  it('a runner that lost its lease stops without writing over the new owner', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    sink.on('/held', () => ({ after: held }));
    const version = await publish(
      ctx.db,
      seeded.workspaceId,
      [
        trigger(),
        node('a', 'http.request', { url: `${sink.url}/held` }),
        node('b', 'logger', { message: 'b' }),
      ],
      [edge('start', 'a'), edge('a', 'b')],
    );
    const [runId] = await queueRuns(ctx.db, version);
    const result = processRun(deps(), runId!);
    await sink.waitFor('/held');
    // Another runner took the run over (as after an expired lease).
    await ctx.db.models.Run.updateOne({ _id: toObjectId(runId!) }, { $set: { leaseOwner: 'new-owner' } });
    release();
    expect(await result).toEqual({ status: 'lease_lost' });
    const run = await runOf(ctx.db, runId!);
    expect(run).toMatchObject({ status: 'running', leaseOwner: 'new-owner' });
    expect(stepOf(run, 'a').status).toBe('running');
    expect(stepOf(run, 'b').status).toBe('pending');
  });

  it('on shutdown, a step whose HTTP call is aborted is handed back, not failed, and runs again on the next claim', async () => {
    sink.on('/interrupted', (_, count) =>
      count === 1 ? { after: new Promise(() => {}) } : { body: { ok: 2 } },
    );
    const version = await publish(
      ctx.db,
      seeded.workspaceId,
      [
        trigger(),
        node('a', 'http.request', { url: `${sink.url}/interrupted` }, { retry: { maxAttempts: 1 } }),
      ],
      [edge('start', 'a')],
    );
    const [runId] = await queueRuns(ctx.db, version);
    const shutdown = new AbortController();
    const result = processRun(deps(), runId!, { signal: shutdown.signal });
    await sink.waitFor('/interrupted');
    shutdown.abort(new Error('the runner is shutting down'));
    expect(await result).toEqual({ status: 'released' });

    const released = await runOf(ctx.db, runId!);
    expect(released).toMatchObject({ status: 'queued', leaseOwner: null, error: null });
    expect(stepOf(released, 'a')).toMatchObject({ status: 'running', attempts: 1, error: null });
    const jobs = await ctx.db.connection
      .db!.collection(JOBS_COLLECTION)
      .find({ 'data.runId': runId })
      .toArray();
    expect(jobs).toHaveLength(1);

    // Even with a single allowed attempt, the interrupted one did not exhaust the node.
    expect(await processRun(deps(), runId!)).toEqual({ status: 'succeeded' });
    expect(stepOf(await runOf(ctx.db, runId!), 'a')).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('a long backoff suspends the run to a scheduled job; the worker resumes it then and it completes', async () => {
    sink.on('/later', (_, count) =>
      count === 1 ? { status: 503, body: 'busy' } : { body: { ok: 'later' } },
    );
    const version = await publish(
      ctx.db,
      seeded.workspaceId,
      [
        trigger(),
        node('first', 'http.request', { url: `${sink.url}/first-once` }),
        node(
          'call',
          'http.request',
          { url: `${sink.url}/later` },
          { retry: { initialDelayMs: 1_500, maxDelayMs: 1_500 } },
        ),
      ],
      [edge('start', 'first'), edge('first', 'call')],
    );
    const [runId] = await queueRuns(ctx.db, version);
    // Every backoff is "long" here: the run must not sleep in-process.
    const result = await processRun(deps({ engine: { maxInlineWaitMs: 0 }, random: () => 0.9 }), runId!);
    expect(result.status).toBe('waiting');
    const resumeAt = (result as { resumeAt: Date }).resumeAt;

    const waiting = await runOf(ctx.db, runId!);
    expect(waiting).toMatchObject({ status: 'waiting', leaseOwner: null });
    expect(waiting.resumeAt?.getTime()).toBe(resumeAt.getTime());
    expect(stepOf(waiting, 'call')).toMatchObject({
      status: 'waiting',
      attempts: 1,
      error: { code: 'http_5xx' },
    });
    expect(stepOf(waiting, 'call').resumeAt?.getTime()).toBe(resumeAt.getTime());
    const jobs = await ctx.db.connection
      .db!.collection(JOBS_COLLECTION)
      .find({ 'data.runId': runId })
      .toArray();
    expect(jobs).toHaveLength(1);
    expect((jobs[0]!.nextRunAt as Date).getTime()).toBe(resumeAt.getTime());

    // A job that fires early (a duplicate) does not take the run before its time.
    expect(await processRun(deps(), runId!)).toEqual({ status: 'not_claimed' });

    const worker = await startWorker(
      { db: ctx.db, keyring, http: deps().http, logger, owner: 'worker-1', engine: { maxInlineWaitMs: 0 } },
      { concurrency: 4, processEveryMs: 200, leaseMs: 10_000, shutdownGraceMs: 1_000, sweep: false },
    );
    workers.push(worker);
    const done = await eventually(
      async () => {
        const run = await runOf(ctx.db, runId!);
        return run.status === 'succeeded' ? run : null;
      },
      60_000,
      async () => JSON.stringify(await runOf(ctx.db, runId!)),
    );
    expect(stepOf(done, 'call')).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(done.claims).toBe(2);
    const calls = sink.requests.filter((r) => r.path === '/later');
    expect(calls).toHaveLength(2);
    expect(calls[1]!.at).toBeGreaterThanOrEqual(resumeAt.getTime() - 250);
    // The step that succeeded before the suspension did not run again.
    expect(sink.count('/first-once')).toBe(1);
  });

  it("the worker's recurring sweep gives a queued run that has no job one, and the run completes", async () => {
    const version = await publish(
      ctx.db,
      seeded.workspaceId,
      [trigger(), node('call', 'http.request', { url: `${sink.url}/stranded` })],
      [edge('start', 'call')],
    );
    // As if the api crashed between creating the run and enqueueing its job.
    const [runId] = await queueRuns(ctx.db, version);
    const worker = await startWorker(
      { db: ctx.db, keyring, http: deps().http, logger, owner: 'sweeping-worker' },
      {
        concurrency: 2,
        processEveryMs: 200,
        leaseMs: 10_000,
        shutdownGraceMs: 1_000,
        sweep: { everyMs: 300, afterMs: 200 },
        // Agenda jobs only: the run must be found by the sweep, not by the feed.
        feed: false,
      },
    );
    workers.push(worker);
    await eventually(
      async () => (await runOf(ctx.db, runId!)).status === 'succeeded',
      60_000,
      async () => JSON.stringify(await runOf(ctx.db, runId!)),
    );
    expect(sink.count('/stranded')).toBe(1);
  });

  it('the feed and Agenda jobs together never run more than the concurrency at once', async () => {
    // Only this test's runner may take these runs.
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    let open = 0;
    let most = 0;
    sink.on('/capped', () => {
      open++;
      most = Math.max(most, open);
      return {
        after: new Promise((resolve) => setTimeout(resolve, 150)).finally(() => {
          open--;
        }),
      };
    });
    const version = await publish(
      ctx.db,
      seeded.workspaceId,
      [trigger(), node('call', 'http.request', { url: `${sink.url}/capped` })],
      [edge('start', 'call')],
    );
    const ids = await queueRuns(ctx.db, version, 8);
    // Every run also has an Agenda job, so both ways of pickup compete for the runner.
    await Promise.all(ids.map((id) => scheduleRun(queue, id)));
    const worker = await startWorker(
      { db: ctx.db, keyring, http: deps().http, logger, owner: 'capped-worker' },
      { concurrency: 2, processEveryMs: 100, leaseMs: 10_000, shutdownGraceMs: 1_000, sweep: false },
    );
    workers.push(worker);
    await eventually(
      async () => (await ctx.db.models.Run.countDocuments({ _id: { $in: ids }, status: 'succeeded' })) === ids.length,
      60_000,
      async () => JSON.stringify(await ctx.db.models.Run.find({ _id: { $in: ids } }, { status: 1 }).lean()),
    );
    expect(sink.count('/capped')).toBe(ids.length);
    expect(most).toBe(2);
  });
});
