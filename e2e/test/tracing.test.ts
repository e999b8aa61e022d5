import { randomBytes } from 'node:crypto';
import { createWorkspace } from '@weft/db';
import { waitFor } from '@weft/devdb/services';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openStack,
  postWebhook,
  seedPublishedScenario,
  seedSignedApp,
  signedHeaders,
  waitForFinalRun,
} from './harness.js';
import { type ReceivedSpan, startOtlpReceiver } from './otlp-receiver.js';
import { startSink } from './sink.js';

const SECRET = 'tracing-shared-secret-0123456789';
const APP_KEY = 'traced-partner';
/** A liveness bound for the batched export, generous for a loaded machine. */
const EXPORT_TIMEOUT_MS = 60_000;
const SPAN_KIND = { internal: 1, server: 2, client: 3, consumer: 5 } as const;

const stack = await openStack('tracing');
const receiver = await startOtlpReceiver();
const sink = await startSink(() => ({ status: 200, body: { accepted: true } }));

beforeAll(async () => {
  const workspace = await createWorkspace(stack.db.models, 'tracing');
  const appId = await seedSignedApp(stack, workspace._id, { key: APP_KEY, secret: SECRET });
  await seedPublishedScenario(stack.db, workspace._id, {
    name: 'traced order sync',
    draft: {
      nodes: [
        { id: 'hook', type: 'trigger.webhook', version: 1, config: { appId } },
        {
          id: 'call',
          type: 'http.request',
          version: 2,
          config: {
            method: 'POST',
            url: `${sink.url}/orders?token=secret`,
            body: { order: '{{ trigger.body.order }}' },
          },
        },
        { id: 'note', type: 'logger', version: 1, config: { message: 'synced {{ trigger.body.order }}' } },
      ],
      edges: [
        { id: 'e1', source: 'hook', target: 'call' },
        { id: 'e2', source: 'call', target: 'note' },
      ],
    },
  });
  const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100' };
  await stack.start({
    token: `weft_${'t'.repeat(43)}`,
    runners: ['traced-runner'],
    apiEnv: otel,
    runnerEnv: otel,
  });
});

afterAll(async () => {
  await stack.stop();
  await sink.close();
  await receiver.close();
});

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** Posts a signed order webhook with these extra headers; the one run it started, once finished. */
async function deliver(order: string, headers: Record<string, string>) {
  const raw = JSON.stringify({ order });
  const response = await postWebhook(stack, APP_KEY, raw, { ...signedHeaders(SECRET, raw), ...headers });
  expect(response.status).toBe(202);
  const { runIds } = (await response.json()) as { runIds: string[] };
  expect(runIds).toHaveLength(1);
  const run = await waitForFinalRun(stack.db, runIds[0]!);
  expect(run.status).toBe('succeeded');
  return run;
}

const EXPECTED = [
  'webhook received',
  'delivery stored',
  'run claimed',
  'step trigger.webhook',
  'step http.request',
  'step logger',
  'HTTP POST',
];

/** The spans of one trace, once all seven of a webhook's way have been exported, by name. */
async function traceOf(traceId: string): Promise<Map<string, ReceivedSpan>> {
  const spansOf = () => receiver.spans.filter((span) => span.traceId === traceId);
  await waitFor(
    async () => EXPECTED.every((name) => spansOf().some((span) => span.name === name)),
    EXPORT_TIMEOUT_MS,
    `the spans of trace ${traceId}`,
  );
  const spans = spansOf();
  // One of each: nothing of this webhook was traced twice or under another name.
  expect(spans.map((span) => span.name).sort()).toEqual([...EXPECTED].sort());
  return new Map(spans.map((span) => [span.name, span]));
}

/** Checks the parent of each span of a webhook's way and what the sink received. */
function expectWholeTrace(spans: Map<string, ReceivedSpan>, runId: string, order: string) {
  const span = (name: string) => spans.get(name)!;
  const received = span('webhook received');
  expect(received).toMatchObject({ service: 'weft-api', kind: SPAN_KIND.server });
  expect(received.attributes).toMatchObject({
    'http.request.method': 'POST',
    'http.route': '/webhook/:appKey',
    'weft.app.key': APP_KEY,
    'http.response.status_code': 202,
  });
  expect(span('delivery stored')).toMatchObject({ service: 'weft-api', parentSpanId: received.spanId });
  expect(span('delivery stored').attributes).toMatchObject({
    'weft.run.count': 1,
    'weft.delivery.idempotent': false,
  });

  const claimed = span('run claimed');
  expect(claimed).toMatchObject({
    service: 'weft-runner',
    kind: SPAN_KIND.consumer,
    parentSpanId: span('delivery stored').spanId,
  });
  expect(claimed.attributes).toMatchObject({ 'weft.run.id': runId, 'weft.run.outcome': 'succeeded' });

  for (const [nodeId, type] of [
    ['hook', 'trigger.webhook'],
    ['call', 'http.request'],
    ['note', 'logger'],
  ]) {
    const step = span(`step ${type}`);
    expect(step).toMatchObject({ service: 'weft-runner', parentSpanId: claimed.spanId });
    expect(step.attributes).toMatchObject({
      'weft.node.id': nodeId,
      'weft.node.type': type,
      'weft.step.outcome': 'succeeded',
    });
  }

  const outbound = span('HTTP POST');
  expect(outbound).toMatchObject({
    service: 'weft-runner',
    kind: SPAN_KIND.client,
    parentSpanId: span('step http.request').spanId,
  });
  expect(outbound.attributes).toMatchObject({
    'http.request.method': 'POST',
    'server.address': '127.0.0.1',
    'url.path': '/orders',
    'http.response.status_code': 200,
  });
  // The query string (a token here) stays out of the trace.
  expect(JSON.stringify(outbound.attributes)).not.toContain('secret');

  // The sink continues the trace as a child of the outbound span.
  const calls = sink.requests.filter((request) => request.body.includes(order));
  expect(calls).toHaveLength(1);
  expect(calls[0]!.headers.traceparent).toBe(`00-${received.traceId}-${outbound.spanId}-01`);
}

describe('OpenTelemetry traces of a webhook', () => {
  it("continues the partner's trace through the api, the runner and the outbound call, to the sink", async () => {
    const traceId = hex(16);
    const partnerSpanId = hex(8);
    const run = await deliver('o-partner', { traceparent: `00-${traceId}-${partnerSpanId}-01` });

    const spans = await traceOf(traceId);
    expect(spans.get('webhook received')!.parentSpanId).toBe(partnerSpanId);
    expectWholeTrace(spans, run._id.toHexString(), 'o-partner');
    // What carried the trace from the api to the runner: the run's stored trace context.
    expect(run.trace?.traceparent).toBe(`00-${traceId}-${spans.get('delivery stored')!.spanId}-01`);
    expect(receiver.refused).toEqual([]);
  });

  it('starts a new trace when the partner sends no valid traceparent', async () => {
    const invalid = `00-${'0'.repeat(32)}-${hex(8)}-01`;
    const run = await deliver('o-fresh', { traceparent: invalid });

    const traceId = run.trace?.traceparent.split('-')[1];
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(traceId).not.toBe('0'.repeat(32));
    const spans = await traceOf(traceId!);
    expect(spans.get('webhook received')!.parentSpanId).toBe('');
    expectWholeTrace(spans, run._id.toHexString(), 'o-fresh');
  });
});
