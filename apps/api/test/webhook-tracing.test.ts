import { randomBytes } from 'node:crypto';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { toObjectId } from '@weft/db';
import { describe, expect, it } from 'vitest';
import { createSignedApp, type Harness, postSigned, useApi, webhookScenario } from './harness.js';

// Spans collected in-process, each as soon as it ends.
const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const traced = useApi({ deps: { tracer: provider.getTracer('webhook-tracing-test') } });
const untraced = useApi();

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

async function onlyRunOf(h: Harness, scenarioId: string) {
  const runs = await h.db.models.Run.find({ scenarioId: toObjectId(scenarioId) })
    .lean()
    .exec();
  expect(runs).toHaveLength(1);
  return runs[0]!;
}

const spansOf = (traceId: string) =>
  exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);

describe('POST /webhook/:appKey with tracing on', () => {
  it("continues the partner's trace: webhook received, then delivery stored, whose context the run keeps", async () => {
    const app = await createSignedApp(traced, { scheme: 'generic' });
    const scenarioId = await webhookScenario(traced, app.id);
    const traceId = hex(16);
    const partnerSpanId = hex(8);

    const answer = await postSigned(traced, app, '{"order":1}', {
      headers: { traceparent: `00-${traceId}-${partnerSpanId}-01` },
    });
    expect(answer.status).toBe(202);

    // The request's span ends once the answer is out.
    await expect
      .poll(() =>
        spansOf(traceId)
          .map((span) => span.name)
          .sort(),
      )
      .toEqual(['delivery stored', 'webhook received']);
    const received = spansOf(traceId).find((span) => span.name === 'webhook received')!;
    const stored = spansOf(traceId).find((span) => span.name === 'delivery stored')!;
    expect(received.kind).toBe(SpanKind.SERVER);
    expect(received.parentSpanContext).toMatchObject({ traceId, spanId: partnerSpanId, isRemote: true });
    expect(received.attributes).toMatchObject({
      'weft.app.key': app.key,
      'http.response.status_code': 202,
    });
    expect(stored.parentSpanContext?.spanId).toBe(received.spanContext().spanId);
    expect(stored.attributes).toMatchObject({
      'weft.delivery.id': answer.json.deliveryId,
      'weft.run.count': 1,
      'weft.delivery.idempotent': false,
    });
    const run = await onlyRunOf(traced, scenarioId);
    expect(run.trace).toEqual({ traceparent: `00-${traceId}-${stored.spanContext().spanId}-01` });
  });

  it('traces a refused webhook (bad signature) with its status, and stores nothing', async () => {
    const app = await createSignedApp(traced, { scheme: 'generic' });
    const traceId = hex(16);

    const answer = await postSigned(traced, app, '{"order":2}', {
      secret: 'not-the-partners-secret-0123456789',
      headers: { traceparent: `00-${traceId}-${hex(8)}-01` },
    });
    expect(answer.status).toBe(401);

    await expect.poll(() => spansOf(traceId).map((span) => span.name)).toEqual(['webhook received']);
    const [received] = spansOf(traceId);
    expect(received!.attributes['http.response.status_code']).toBe(401);
    expect(received!.status.code).toBe(SpanStatusCode.UNSET);
    expect(await traced.db.models.WebhookDelivery.countDocuments({ appId: toObjectId(app.id) })).toBe(0);
  });
});

describe('POST /webhook/:appKey with tracing off', () => {
  it("stores no trace on the run, whatever the partner's traceparent", async () => {
    const app = await createSignedApp(untraced, { scheme: 'generic' });
    const scenarioId = await webhookScenario(untraced, app.id);
    const traceId = hex(16);

    const answer = await postSigned(untraced, app, '{"order":3}', {
      headers: { traceparent: `00-${traceId}-${hex(8)}-01` },
    });
    expect(answer.status).toBe(202);

    const run = await onlyRunOf(untraced, scenarioId);
    expect(run).not.toHaveProperty('trace');
    expect(spansOf(traceId)).toEqual([]);
  });
});
