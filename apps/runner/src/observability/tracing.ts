import { context, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TracingConfig } from '@weft/core/env';

export interface Tracing {
  /** Undefined when tracing is off: no span is made and no `traceparent` is sent. */
  readonly tracer: Tracer | undefined;
  /** Exports the spans still buffered, then stops. */
  shutdown(): Promise<void>;
}

/**
 * The runner's OpenTelemetry SDK: a tracer provider exporting over OTLP/HTTP (JSON) in batches,
 * and the async-local context that makes a step's span the parent of the requests its node makes
 * (spans.ts). With no endpoint configured, nothing is set up: tracing costs nothing.
 */
export function startTracing(config: TracingConfig | null): Tracing {
  if (!config) return { tracer: undefined, shutdown: async () => {} };
  const contexts = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contexts);
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: `${config.endpoint}/v1/traces` }),
        scheduledDelayMillis: config.scheduleDelayMs,
      }),
    ],
  });
  return {
    tracer: provider.getTracer('@weft/runner'),
    shutdown: async () => {
      await provider.shutdown();
      contexts.disable();
    },
  };
}
