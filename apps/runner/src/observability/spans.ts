import {
  context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import {
  type EngineHost,
  formatTraceparent,
  parseTraceparent,
  type StepEnd,
  type TracedStep,
} from '@weft/core';
import type { RunDoc, RunTraceDoc } from '@weft/db';
import type { HttpClient } from '../execution/http-client.js';

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

function failed(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: messageOf(error) });
}

/**
 * Runs a claimed run inside its `run claimed` span, current while it executes so its steps are
 * children. The parent is the trace stored on the run (the api's `delivery stored`), else a new
 * trace starts here (a schedule, a manual run, a run created with tracing off).
 */
export async function traceRunClaimed<T extends { readonly status: string }>(
  tracer: Tracer | undefined,
  run: Pick<RunDoc, '_id' | 'scenarioId' | 'claims' | 'trigger' | 'trace'>,
  execute: () => Promise<T>,
): Promise<T> {
  if (!tracer) return execute();
  const stored = parseTraceparent(run.trace?.traceparent);
  const parent = stored
    ? trace.setSpanContext(ROOT_CONTEXT, {
        traceId: stored.traceId,
        spanId: stored.parentId,
        traceFlags: stored.flags,
        isRemote: true,
      })
    : ROOT_CONTEXT;
  const span = tracer.startSpan(
    'run claimed',
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'weft.run.id': run._id.toHexString(),
        'weft.scenario.id': run.scenarioId.toHexString(),
        'weft.run.trigger': run.trigger.kind,
        'weft.run.claims': run.claims,
      },
    },
    parent,
  );
  try {
    const result = await context.with(trace.setSpan(parent, span), execute);
    span.setAttribute('weft.run.outcome', result.status);
    if (result.status === 'failed' || result.status === 'dead' || result.status === 'error')
      span.setStatus({ code: SpanStatusCode.ERROR, message: `the run ended ${result.status}` });
    return result;
  } catch (error) {
    failed(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/**
 * The current span (a step's) as the trace a run started by it continues: a called scenario's run
 * is a child of the calling step. Undefined when tracing is off (no current span).
 */
export function currentRunTrace(): RunTraceDoc | undefined {
  const span = trace.getActiveSpan();
  if (!span) return undefined;
  const { traceId, spanId, traceFlags } = span.spanContext();
  return { traceparent: formatTraceparent({ traceId, parentId: spanId, flags: traceFlags }) };
}

/** The engine host's `traceStep`: one span per step, named by its node type, current while it runs. */
export function stepTracing(tracer: Tracer): NonNullable<EngineHost['traceStep']> {
  return <E extends StepEnd>(step: TracedStep, execute: () => Promise<E>) =>
    tracer.startActiveSpan(
      `step ${step.nodeType}`,
      {
        attributes: {
          'weft.node.id': step.nodeId,
          'weft.node.type': step.nodeType,
          ...(step.itemIndex === undefined ? {} : { 'weft.item.index': step.itemIndex }),
        },
      },
      async (span) => {
        try {
          const end = await execute();
          span.setAttribute('weft.step.outcome', end.kind);
          if (end.kind === 'failed' || end.kind === 'dead') {
            span.setAttribute('weft.error.code', end.error.code);
            span.setStatus({ code: SpanStatusCode.ERROR, message: end.error.message });
          }
          return end;
        } catch (error) {
          failed(span, error);
          throw error;
        } finally {
          span.end();
        }
      },
    );
}

/**
 * `ctx.http` with a client span per call, a child of the current step, whose context goes out as
 * the request's `traceparent` (replacing one the node set), so the called service continues the
 * trace. Query strings stay out of the span: they may carry credentials.
 */
export function tracedHttpClient(http: HttpClient, tracer: Tracer): HttpClient {
  return (request, signal) => {
    const url = URL.parse(request.url);
    return tracer.startActiveSpan(
      `HTTP ${request.method}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'http.request.method': request.method,
          ...(url
            ? {
                'server.address': url.hostname,
                'server.port': Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
                'url.scheme': url.protocol.replace(/:$/, ''),
                'url.path': url.pathname,
              }
            : {}),
        },
      },
      async (span) => {
        const { traceId, spanId, traceFlags } = span.spanContext();
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(request.headers))
          if (name.toLowerCase() !== 'traceparent') headers[name] = value;
        headers.traceparent = formatTraceparent({ traceId, parentId: spanId, flags: traceFlags });
        try {
          const response = await http({ ...request, headers }, signal);
          span.setAttribute('http.response.status_code', response.status);
          if (response.status >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
          return response;
        } catch (error) {
          failed(span, error);
          throw error;
        } finally {
          span.end();
        }
      },
    );
  };
}
