import { randomBytes } from 'node:crypto';
import { context, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { parseAllowList } from '@weft/core/net';
import { toObjectId } from '@weft/db';
import { afterAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../src/execution/http-client.js';
import { processRun } from '../src/execution/process-run.js';
import { tracedHttpClient } from '../src/observability/spans.js';
import { edge, node, publish, queueRuns } from './fixtures/seed.js';
import { setUpRuns, useSink } from './fixtures/run-setup.js';

const sink = await useSink();
const { ctx, seeded, deps } = await setUpRuns({ name: 'tracing-test' });

// What observability/tracing.ts sets up, with the spans collected in-process.
const contexts = new AsyncLocalStorageContextManager().enable();
context.setGlobalContextManager(contexts);
const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const tracer = provider.getTracer('runner-tracing-test');
afterAll(() => {
  context.disable();
});

const http = createHttpClient({ allowList: parseAllowList('127.0.0.1') });
const traced = () => deps({ tracer, http: tracedHttpClient(http, tracer) });
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** trigger → a POST to the sink at `path` (setting a `traceparent` of its own) → logger; one queued run. */
async function queuedRun(path: string) {
  const own = `00-${hex(16)}-${hex(8)}-01`;
  const version = await publish(
    ctx.db,
    seeded.workspaceId,
    [
      node('start', 'trigger.manual', {}),
      node('call', 'http.request', {
        method: 'POST',
        url: `${sink.url}${path}?key=secret`,
        headers: { TraceParent: own },
      }),
      node('note', 'logger', { message: 'called' }),
    ],
    [edge('start', 'call'), edge('call', 'note')],
  );
  const [runId] = await queueRuns(ctx.db, version);
  return { runId: runId!, own };
}

const spansOf = (traceId: string) =>
  exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);

describe('a claimed run with tracing on', () => {
  it('continues the trace stored on the run: run claimed, a span per step, the request as a child of its step', async () => {
    const { runId } = await queuedRun('/traced');
    const traceId = hex(16);
    const storedSpanId = hex(8);
    await ctx.db.models.Run.updateOne(
      { _id: toObjectId(runId) },
      { $set: { trace: { traceparent: `00-${traceId}-${storedSpanId}-01` } } },
    );

    expect(await processRun(traced(), runId)).toEqual({ status: 'succeeded' });

    const spans = spansOf(traceId);
    const named = (name: string) => spans.find((span) => span.name === name)!;
    expect(spans.map((span) => span.name).sort()).toEqual(
      ['HTTP POST', 'run claimed', 'step http.request', 'step logger', 'step trigger.manual'].sort(),
    );
    const claimed = named('run claimed');
    expect(claimed.kind).toBe(SpanKind.CONSUMER);
    expect(claimed.parentSpanContext).toMatchObject({ traceId, spanId: storedSpanId, isRemote: true });
    expect(claimed.attributes).toMatchObject({
      'weft.run.id': runId,
      'weft.run.trigger': 'manual',
      'weft.run.claims': 1,
      'weft.run.outcome': 'succeeded',
    });
    for (const [nodeId, type] of [
      ['start', 'trigger.manual'],
      ['call', 'http.request'],
      ['note', 'logger'],
    ]) {
      const step = named(`step ${type}`);
      expect(step.parentSpanContext?.spanId).toBe(claimed.spanContext().spanId);
      expect(step.attributes).toMatchObject({ 'weft.node.id': nodeId, 'weft.node.type': type });
    }
    const outbound = named('HTTP POST');
    expect(outbound.kind).toBe(SpanKind.CLIENT);
    expect(outbound.parentSpanContext?.spanId).toBe(named('step http.request').spanContext().spanId);
    expect(outbound.attributes).toMatchObject({
      'http.request.method': 'POST',
      'server.address': '127.0.0.1',
      'url.path': '/traced',
      'http.response.status_code': 200,
    });
    expect(JSON.stringify(outbound.attributes)).not.toContain('secret');

    // The request carries the outbound span's context, in place of the one the node set.
    const [request, ...more] = sink.requests.filter((r) => r.path === '/traced');
    expect(more).toHaveLength(0);
    expect(request!.headers.traceparent).toBe(`00-${traceId}-${outbound.spanContext().spanId}-01`);
  });

  it('starts a new trace for a run that stores none, and marks a failed step and run as errors', async () => {
    sink.on('/gone', () => ({ status: 404, body: { error: 'no such order' } }));
    const { runId } = await queuedRun('/gone');

    expect(await processRun(traced(), runId)).toEqual({ status: 'failed' });

    const claimed = exporter
      .getFinishedSpans()
      .find((span) => span.name === 'run claimed' && span.attributes['weft.run.id'] === runId)!;
    expect(claimed.parentSpanContext).toBeUndefined();
    expect(claimed.status.code).toBe(SpanStatusCode.ERROR);
    expect(claimed.attributes['weft.run.outcome']).toBe('failed');
    const spans = spansOf(claimed.spanContext().traceId);
    const step = spans.find((span) => span.name === 'step http.request')!;
    expect(step.status.code).toBe(SpanStatusCode.ERROR);
    expect(step.attributes).toMatchObject({
      'weft.step.outcome': 'failed',
      'weft.error.code': expect.any(String),
    });
    expect(spans.find((span) => span.name === 'HTTP POST')!.attributes['http.response.status_code']).toBe(
      404,
    );
    // The logger after the failed call never ran: no span for it.
    expect(spans.some((span) => span.name === 'step logger')).toBe(false);
  });
});

describe('a called scenario with tracing on', () => {
  it("continues the trace under the calling step: the called run's span is a child of the scenario.call step", async () => {
    const target = await publish(
      ctx.db,
      seeded.workspaceId,
      [node('start', 'trigger.manual', {}), node('note', 'logger', { message: 'called' })],
      [edge('start', 'note')],
    );
    const parent = await publish(
      ctx.db,
      seeded.workspaceId,
      [
        node('start', 'trigger.manual', {}),
        node('call', 'scenario.call', {
          scenarioId: target.scenarioId.toHexString(),
          input: {},
          wait: false,
        }),
      ],
      [edge('start', 'call')],
    );
    const [parentRunId] = await queueRuns(ctx.db, parent);
    expect(await processRun(traced(), parentRunId!)).toEqual({ status: 'succeeded' });
    const child = await ctx.db.models.Run.findOne({ 'parent.runId': toObjectId(parentRunId!) })
      .lean()
      .exec();
    expect(await processRun(traced(), child!._id.toHexString())).toEqual({ status: 'succeeded' });

    const spans = exporter.getFinishedSpans();
    const callStep = spans.find(
      (span) => span.name === 'step scenario.call' && span.attributes['weft.node.id'] === 'call',
    )!;
    const childClaimed = spans.find(
      (span) => span.name === 'run claimed' && span.attributes['weft.run.id'] === child!._id.toHexString(),
    )!;
    expect(childClaimed.spanContext().traceId).toBe(callStep.spanContext().traceId);
    expect(childClaimed.parentSpanContext?.spanId).toBe(callStep.spanContext().spanId);
    expect(childClaimed.attributes['weft.run.trigger']).toBe('call');
  });
});

describe('a claimed run with tracing off', () => {
  it('makes no span and sends the request as the node built it', async () => {
    const { runId, own } = await queuedRun('/untraced');
    const before = exporter.getFinishedSpans().length;

    expect(await processRun(deps(), runId)).toEqual({ status: 'succeeded' });

    expect(exporter.getFinishedSpans()).toHaveLength(before);
    const request = sink.requests.find((r) => r.path === '/untraced')!;
    expect(request.headers.traceparent).toBe(own);
  });
});
