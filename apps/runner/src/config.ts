import type { ExpressionWorkerOptions } from '@weft/core/expression-workers';
import os from 'node:os';
import { DEFAULT_MAX_CALL_DEPTH } from '@weft/core';
import {
  ConfigError,
  type LogLevelName,
  numberVar,
  parseEnv,
  sharedEnv,
  type TracingConfig,
  tracingConfigOf,
} from '@weft/core/env';
import type { Keyring } from '@weft/core/secrets';
import { z } from 'zod';
import type { AllowList } from '@weft/core/net';
import { type MaintenanceConfig, maintenanceConfig, maintenanceEnv } from './maintenance/maintenance-config.js';
import { type MetricsConfig, metricsConfig, metricsEnv } from './observability/metrics-config.js';
import { DEFAULT_MAX_CLAIMS } from './execution/process-run.js';

/** A whole number of milliseconds from an environment variable, within bounds. */
const millis = (fallback: number, min: number, max: number) =>
  numberVar(fallback, { min, max, what: 'a whole number of milliseconds' });

const integer = (fallback: number, min: number, max: number) =>
  numberVar(fallback, { min, max, what: 'a whole number' });

const envSchema = z.object({
  MONGODB_URI: sharedEnv.MONGODB_URI,
  WEFT_SECRET_KEYS: sharedEnv.WEFT_SECRET_KEYS,
  WEFT_RUNNER_NAME: z
    .string()
    .trim()
    .max(200, 'must be at most 200 characters')
    .optional()
    .transform((value) => (value ? value : `${os.hostname()}-${process.pid}`)),
  WEFT_RUNNER_CONCURRENCY: integer(20, 1, 1_000),
  WEFT_RUNNER_PROCESS_EVERY_MS: millis(500, 50, 60_000),
  WEFT_RUNNER_LEASE_MS: millis(30_000, 500, 3_600_000),
  WEFT_RUNNER_MAX_INLINE_WAIT_MS: millis(5_000, 0, 60_000),
  WEFT_RUNNER_SHUTDOWN_GRACE_MS: millis(5_000, 0, 300_000),
  WEFT_RUNNER_SWEEP_EVERY_MS: millis(15_000, 200, 3_600_000),
  WEFT_RUNNER_SWEEP_AFTER_MS: millis(30_000, 0, 86_400_000),
  WEFT_RUNNER_MAX_CALL_DEPTH: integer(DEFAULT_MAX_CALL_DEPTH, 1, 100),
  WEFT_RUNNER_MAX_CLAIMS: integer(DEFAULT_MAX_CLAIMS, 1, 1_000),
  WEFT_HTTP_ALLOW_PRIVATE: sharedEnv.WEFT_HTTP_ALLOW_PRIVATE,
  WEFT_HTTP_TIMEOUT_MS: millis(120_000, 100, 3_600_000),
  ...maintenanceEnv,
  ...metricsEnv,
  WEFT_HTTP_MAX_RESPONSE_BYTES: integer(10 * 1024 * 1024, 1_024, 1 << 30),
  OTEL_EXPORTER_OTLP_ENDPOINT: sharedEnv.OTEL_EXPORTER_OTLP_ENDPOINT,
  OTEL_SERVICE_NAME: sharedEnv.OTEL_SERVICE_NAME,
  OTEL_BSP_SCHEDULE_DELAY: sharedEnv.OTEL_BSP_SCHEDULE_DELAY,
  LOG_LEVEL: sharedEnv.LOG_LEVEL,
  WEFT_EXPRESSION_WORKERS: sharedEnv.WEFT_EXPRESSION_WORKERS,
  WEFT_EXPRESSION_MEMORY_MB: sharedEnv.WEFT_EXPRESSION_MEMORY_MB,
});

export interface RunnerConfig {
  /** The expression workers' pool (`WEFT_EXPRESSION_WORKERS`, `WEFT_EXPRESSION_MEMORY_MB`). */
  readonly expressionWorkers: ExpressionWorkerOptions;
  readonly mongodbUri: string;
  readonly keyring: Keyring;
  /** Shown as the lease owner of the runs and the lock holder of the jobs this process takes. */
  readonly runnerName: string;
  /** Runs executed at once by this process. */
  readonly concurrency: number;
  /** Agenda's poll interval; new jobs are normally picked up sooner through the change stream. */
  readonly processEveryMs: number;
  /** How long a claimed run (and its job's lock) outlives a runner that stopped renewing it. */
  readonly leaseMs: number;
  /** Retry backoffs up to this are slept in-process; longer ones suspend the run to a scheduled job. */
  readonly maxInlineWaitMs: number;
  /** On SIGTERM, how long running runs may still finish before they are aborted and released. */
  readonly shutdownGraceMs: number;
  readonly sweepEveryMs: number;
  /** The sweeper repairs only what has been stuck for longer than this. */
  readonly sweepAfterMs: number;
  /** The longest chain of scenario calls; a call that would go deeper fails. */
  readonly maxCallDepth: number;
  /** Claims a run may take without settling; the next one dead-letters it (`claims_exhausted`). */
  readonly maxClaims: number;
  readonly httpAllowList: AllowList;
  /** Upper bound for any outgoing request; a node's own timeout applies below it. */
  readonly httpTimeoutMs: number;
  readonly httpMaxResponseBytes: number;
  readonly logLevel: LogLevelName;
  /** Schedules and retention (`maintenance-config.ts`). */
  readonly scheduler: MaintenanceConfig['scheduler'];
  readonly retention: MaintenanceConfig['retention'];
  /** `GET /metrics` listener (`metrics-config.ts`). */
  readonly metricsPort: MetricsConfig['metricsPort'];
  readonly metricsHost: MetricsConfig['metricsHost'];
  /** OTLP trace export (`OTEL_EXPORTER_OTLP_ENDPOINT`); null: no tracing. */
  readonly tracing: TracingConfig | null;
}

export { ConfigError };

/** Reads and validates the runner's environment; every problem is reported at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): RunnerConfig {
  const e = parseEnv(envSchema, env, 'runner');
  return {
    mongodbUri: e.MONGODB_URI,
    keyring: e.WEFT_SECRET_KEYS,
    runnerName: e.WEFT_RUNNER_NAME,
    concurrency: e.WEFT_RUNNER_CONCURRENCY,
    processEveryMs: e.WEFT_RUNNER_PROCESS_EVERY_MS,
    leaseMs: e.WEFT_RUNNER_LEASE_MS,
    maxInlineWaitMs: e.WEFT_RUNNER_MAX_INLINE_WAIT_MS,
    shutdownGraceMs: e.WEFT_RUNNER_SHUTDOWN_GRACE_MS,
    sweepEveryMs: e.WEFT_RUNNER_SWEEP_EVERY_MS,
    sweepAfterMs: e.WEFT_RUNNER_SWEEP_AFTER_MS,
    maxCallDepth: e.WEFT_RUNNER_MAX_CALL_DEPTH,
    maxClaims: e.WEFT_RUNNER_MAX_CLAIMS,
    httpAllowList: e.WEFT_HTTP_ALLOW_PRIVATE,
    httpTimeoutMs: e.WEFT_HTTP_TIMEOUT_MS,
    httpMaxResponseBytes: e.WEFT_HTTP_MAX_RESPONSE_BYTES,
    logLevel: e.LOG_LEVEL,
    tracing: tracingConfigOf(e, 'weft-runner'),
    expressionWorkers: { size: e.WEFT_EXPRESSION_WORKERS, memoryLimitMb: e.WEFT_EXPRESSION_MEMORY_MB },
    ...maintenanceConfig(e),
    ...metricsConfig(e),
  };
}
