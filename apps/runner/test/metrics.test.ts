import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../src/execution/http-client.js';
import { parseAllowList } from '@weft/core/net';
import { type MetricsServer, startMetricsServer } from '../src/observability/metrics.js';
import { startWorker, type Worker } from '../src/worker.js';
import { createRuns, createScenario, newObjectId, newRunOfVersion, publishScenario, setScenarioFlowControl } from '@weft/db';
import { edge, eventually, keyring, node, publish, queueRuns, type Seeded, seedWorkspace, useDatabase } from './fixtures/seed.js';
import { type Sink, startSink } from './fixtures/sink.js';

const ctx = useDatabase();
const logger = pino({ level: 'silent' });
let sink: Sink;
let seeded: Seeded;
let worker: Worker | undefined;
let server: MetricsServer | undefined;

beforeAll(async () => {
  sink = await startSink();
  seeded = await seedWorkspace(ctx.db);
  server = await startMetricsServer(0, '127.0.0.1', logger);
});
afterAll(async () => {
  await worker?.stop();
  await server?.close();
  await sink.close();
});

/** The value of one sample of the Prometheus text, 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const labelText = line.slice(name.length + 1, line.indexOf('}'));
    if (wanted.every((w) => labelText.split(',').includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

async function scrape(): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${server!.port}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

describe('runner metrics (GET /metrics on WEFT_RUNNER_METRICS_PORT)', () => {
  it('counts runs by final status, step durations by node type, retries and pickup lag; serves the gauges', async () => {
    // The first call of /flaky fails with 503 (retried), every later one succeeds.
    sink.on('/flaky', (_, count) => (count === 1 ? { status: 503 } : { body: { ok: true } }));
    const version = await publish(
      ctx.db,
      seeded.workspaceId,
      [
        node('start', 'trigger.manual', {}),
        node('shape', 'transform', { expression: '{ "n": trigger.body.total }' }),
        node('call', 'http.request', { url: `${sink.url}/flaky` }, { retry: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 20 } }),
      ],
      [edge('start', 'shape'), edge('shape', 'call')],
    );
    const before = await scrape();
    worker = await startWorker(
      {
        db: ctx.db,
        keyring,
        http: createHttpClient({ allowList: parseAllowList('127.0.0.1') }),
        logger,
        owner: 'metrics-worker',
      },
      { concurrency: 4, processEveryMs: 200, leaseMs: 10_000, shutdownGraceMs: 1_000, sweep: false },
    );
    const ids = await queueRuns(ctx.db, version, 3);
    await eventually(
      async () =>
        (await ctx.db.models.Run.countDocuments({ _id: { $in: ids }, status: 'succeeded' })) === ids.length || null,
      60_000,
      async () => JSON.stringify(await ctx.db.models.Run.find({ _id: { $in: ids } }, { status: 1, steps: 1, claims: 1 }).lean()),
    );
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) =>
      sample(after, name, labels) - sample(before, name, labels);
    expect(delta('weft_runs_total', { status: 'succeeded' })).toBe(3);
    expect(delta('weft_step_duration_seconds_count', { node_type: 'transform', status: 'succeeded' })).toBe(3);
    expect(delta('weft_step_duration_seconds_count', { node_type: 'http.request', status: 'succeeded' })).toBe(3);
    expect(delta('weft_step_duration_seconds_count', { node_type: 'http.request', status: 'retry' })).toBe(1);
    expect(delta('weft_step_retries_total', { node_type: 'http.request' })).toBe(1);
    expect(delta('weft_run_pickup_seconds_count')).toBe(3);
    expect(after).toMatch(/^weft_runs_in_flight\{service="weft-runner"\} \d+/m);
    expect(after).toMatch(/^weft_run_feed_backlog\{service="weft-runner"\} \d+/m);
    expect(after).toMatch(/^nodejs_eventloop_lag_seconds\{service="weft-runner"\} /m);
    expect((await fetch(`http://127.0.0.1:${server!.port}/health`)).status).toBe(200);
  }, 120_000);

  it('reports the queue: runs pending by status and the age of the oldest queued run', async () => {
    // No runner claims: the runs stay queued.
    await worker?.stop();
    worker = undefined;
    const version = await publish(ctx.db, seeded.workspaceId, [node('start', 'trigger.manual', {})], []);
    await queueRuns(ctx.db, version, 2);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const text = await scrape();
    expect(sample(text, 'weft_runs_pending', { status: 'queued' })).toBe(2);
    expect(sample(text, 'weft_runs_pending', { status: 'running' })).toBe(0);
    expect(sample(text, 'weft_queue_oldest_queued_seconds')).toBeGreaterThanOrEqual(1);
  });

  it('reports runs waiting for a flow stage, and the runs the admitter let go', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    sink.on('/flow-held', () => ({ after: held }));
    const scenario = await createScenario(ctx.db.models, seeded.workspaceId, {
      name: 'metrics flow',
      draft: {
        nodes: [node('start', 'trigger.manual', {}), node('call', 'http.request', { url: `${sink.url}/flow-held` })],
        edges: [edge('start', 'call')],
      },
    });
    await setScenarioFlowControl(ctx.db.models, seeded.workspaceId, scenario._id.toHexString(), {
      concurrency: { key: 'trigger.k', limit: 1 },
    });
    const published = await publishScenario(ctx.db.models, seeded.workspaceId, scenario._id.toHexString());
    if (!published.ok) throw new Error(published.reason);
    const before = await scrape();
    worker = await startWorker(
      {
        db: ctx.db,
        keyring,
        http: createHttpClient({ allowList: parseAllowList('127.0.0.1') }),
        logger,
        owner: 'metrics-flow-worker',
      },
      { concurrency: 4, processEveryMs: 200, leaseMs: 10_000, shutdownGraceMs: 1_000, sweep: false },
    );
    const runs = await Promise.all(
      [1, 2].map(() => newRunOfVersion(published.version, { id: newObjectId(), kind: 'manual', correlationId: 'm', input: { k: 'x' } })),
    );
    await createRuns(ctx.db.models, runs);
    await sink.waitFor('/flow-held', 1, 30_000);
    const text = await scrape();
    expect(sample(text, 'weft_runs_waiting_for', { stage: 'concurrency' })).toBe(1);
    expect(sample(text, 'weft_flow_admitted_total', { stage: 'concurrency' }) - sample(before, 'weft_flow_admitted_total', { stage: 'concurrency' })).toBe(1);
    release();
  });
});
