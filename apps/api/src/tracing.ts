import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { TracingConfig } from '@weft/core/env';
import { PACKAGE } from './version.js';

export interface Tracing {
  /** Undefined when tracing is off: no span is made, nothing is stored or sent for it. */
  readonly tracer: Tracer | undefined;
  /** Exports the spans still buffered, then stops. */
  shutdown(): Promise<void>;
}

/**
 * The api's OpenTelemetry SDK: a tracer provider exporting over OTLP/HTTP (JSON) in batches, or,
 * with no endpoint configured, nothing at all (no provider: tracing costs nothing). Spans are
 * parented explicitly (webhook/tracing.ts), so no global context manager is needed here.
 */
export function startTracing(config: TracingConfig | null): Tracing {
  if (!config) return { tracer: undefined, shutdown: async () => {} };
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: config.serviceName,
      [ATTR_SERVICE_VERSION]: PACKAGE.version,
    }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: `${config.endpoint}/v1/traces` }),
        scheduledDelayMillis: config.scheduleDelayMs,
      }),
    ],
  });
  return {
    tracer: provider.getTracer(PACKAGE.name, PACKAGE.version),
    shutdown: () => provider.shutdown(),
  };
}
