import {
  type Context,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { formatTraceparent, parseTraceparent } from '@weft/core';
import type { RunTraceDoc } from '@weft/db';
import type { NextFunction, Request, Response } from 'express';

interface TracedLocals {
  webhookSpan?: Span;
}

/**
 * The trace a partner's request continues: its `traceparent`, when valid (W3C Trace Context);
 * otherwise a new trace starts here.
 */
function partnerContext(header: string | undefined): Context {
  const partner = parseTraceparent(header);
  if (!partner) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: partner.traceId,
    spanId: partner.parentId,
    traceFlags: partner.flags,
    isRemote: true,
  });
}

/** What a run stores so the runner that claims it continues the trace as a child of `span`. */
export function runTraceOf(span: Span): RunTraceDoc {
  const { traceId, spanId, traceFlags }: SpanContext = span.spanContext();
  return { traceparent: formatTraceparent({ traceId, parentId: spanId, flags: traceFlags }) };
}

/**
 * Middleware: the `webhook received` server span of `POST /webhook/:appKey`, from the first check
 * to the answer (refusals included), with the partner's trace as its parent. Without a tracer
 * (tracing off) it does nothing.
 */
export function traceWebhook(tracer: Tracer | undefined) {
  return (req: Request<{ appKey: string }>, res: Response, next: NextFunction): void => {
    if (!tracer) {
      next();
      return;
    }
    const span = tracer.startSpan(
      'webhook received',
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': req.method,
          'http.route': '/webhook/:appKey',
          'url.path': req.path,
          'weft.app.key': req.params.appKey,
        },
      },
      partnerContext(req.get('traceparent')),
    );
    (res.locals as TracedLocals).webhookSpan = span;
    // `close` comes after the answer was sent and also when the caller went away first.
    res.once('close', () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      if (!res.writableFinished) span.setAttribute('weft.caller_disconnected', true);
      span.end();
    });
    next();
  };
}

/** The request's `webhook received` span (undefined when tracing is off). */
export function webhookSpanOf(res: Response): Span | undefined {
  return (res.locals as TracedLocals).webhookSpan;
}

/**
 * Runs `store` inside a `delivery stored` span, a child of the request's span; `store` gets the
 * span (for the runs' trace) and its result may add attributes. Without a request span it just
 * runs `store`.
 */
export async function traceDeliveryStored<T>(
  tracer: Tracer | undefined,
  parent: Span | undefined,
  store: (span: Span | undefined) => Promise<T>,
  describe: (result: T) => Record<string, string | number | boolean>,
): Promise<T> {
  if (!tracer || !parent) return store(undefined);
  const span = tracer.startSpan(
    'delivery stored',
    { kind: SpanKind.INTERNAL },
    trace.setSpan(ROOT_CONTEXT, parent),
  );
  try {
    const result = await store(span);
    span.setAttributes(describe(result));
    return result;
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    });
    throw error;
  } finally {
    span.end();
  }
}
