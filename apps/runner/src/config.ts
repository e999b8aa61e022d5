import os from 'node:os';
import { DEFAULT_MAX_CALL_DEPTH } from '@weft/core';
import { type Keyring, KeyringError, parseKeyringEnv } from '@weft/core/secrets';
import { z } from 'zod';
import { numberEnv } from './env-number.js';
import { type AllowList, parseAllowList } from '@weft/core/net';
import { type MaintenanceConfig, maintenanceConfig, maintenanceEnv } from './maintenance-config.js';
import { type MetricsConfig, metricsConfig, metricsEnv } from './metrics-config.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A whole number of milliseconds from an environment variable, within bounds. */
const millis = (name: string, fallback: number, min: number, max: number) =>
  numberEnv(name, fallback, { min, max, what: 'a whole number of milliseconds' });

const integer = (name: string, fallback: number, min: number, max: number) =>
  numberEnv(name, fallback, { min, max, what: 'a whole number' });

const envSchema = z.object({
  MONGODB_URI: z
    .string({
      error: 'MONGODB_URI is required: the MongoDB connection string, e.g. mongodb://localhost:27017/weft',
    })
    .trim()
    .regex(/^mongodb(\+srv)?:\/\//, 'MONGODB_URI must start with mongodb:// or mongodb+srv://'),
  WEFT_SECRET_KEYS: z
    .string({
      error:
        'WEFT_SECRET_KEYS is required: "<keyId>:<base64 32-byte key>[,…]" (the first key encrypts; create one with `openssl rand -base64 32`)',
    })
    .transform((value, ctx): Keyring => {
      try {
        return parseKeyringEnv(value);
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          message: `WEFT_SECRET_KEYS: ${error instanceof KeyringError ? error.message : String(error)}`,
        });
        return z.NEVER;
      }
    }),
  WEFT_RUNNER_NAME: z
    .string()
    .trim()
    .max(200, 'WEFT_RUNNER_NAME must be at most 200 characters')
    .optional()
    .transform((value) => (value ? value : `${os.hostname()}-${process.pid}`)),
  WEFT_RUNNER_CONCURRENCY: integer('WEFT_RUNNER_CONCURRENCY', 20, 1, 1_000),
  WEFT_RUNNER_PROCESS_EVERY_MS: millis('WEFT_RUNNER_PROCESS_EVERY_MS', 500, 50, 60_000),
  WEFT_RUNNER_LEASE_MS: millis('WEFT_RUNNER_LEASE_MS', 30_000, 500, 3_600_000),
  WEFT_RUNNER_MAX_INLINE_WAIT_MS: millis('WEFT_RUNNER_MAX_INLINE_WAIT_MS', 5_000, 0, 60_000),
  WEFT_RUNNER_SHUTDOWN_GRACE_MS: millis('WEFT_RUNNER_SHUTDOWN_GRACE_MS', 5_000, 0, 300_000),
  WEFT_RUNNER_SWEEP_EVERY_MS: millis('WEFT_RUNNER_SWEEP_EVERY_MS', 15_000, 200, 3_600_000),
  WEFT_RUNNER_SWEEP_AFTER_MS: millis('WEFT_RUNNER_SWEEP_AFTER_MS', 30_000, 0, 86_400_000),
  WEFT_RUNNER_MAX_CALL_DEPTH: integer('WEFT_RUNNER_MAX_CALL_DEPTH', DEFAULT_MAX_CALL_DEPTH, 1, 100),
  WEFT_HTTP_ALLOW_PRIVATE: z
    .string()
    .optional()
    .transform((value, ctx): AllowList => {
      try {
        return parseAllowList(value ?? '');
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `WEFT_HTTP_ALLOW_PRIVATE: ${(error as Error).message}` });
        return z.NEVER;
      }
    }),
  WEFT_HTTP_TIMEOUT_MS: millis('WEFT_HTTP_TIMEOUT_MS', 120_000, 100, 3_600_000),
  ...maintenanceEnv,
  ...metricsEnv,
  WEFT_HTTP_MAX_RESPONSE_BYTES: integer('WEFT_HTTP_MAX_RESPONSE_BYTES', 10 * 1024 * 1024, 1_024, 1 << 30),
  LOG_LEVEL: z
    .string()
    .optional()
    .transform((value, ctx) => {
      const level = (value ?? '').trim().toLowerCase() || 'info';
      if (!(LOG_LEVELS as readonly string[]).includes(level)) {
        ctx.addIssue({
          code: 'custom',
          message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${value}"`,
        });
        return z.NEVER;
      }
      return level as (typeof LOG_LEVELS)[number];
    }),
});

export interface RunnerConfig {
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
  readonly httpAllowList: AllowList;
  /** Upper bound for any outgoing request; a node's own timeout applies below it. */
  readonly httpTimeoutMs: number;
  readonly httpMaxResponseBytes: number;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  /** Schedules and retention (`maintenance-config.ts`). */
  readonly scheduler: MaintenanceConfig['scheduler'];
  readonly retention: MaintenanceConfig['retention'];
  /** `GET /metrics` listener (`metrics-config.ts`). */
  readonly metricsPort: MetricsConfig['metricsPort'];
  readonly metricsHost: MetricsConfig['metricsHost'];
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid runner configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the runner's environment; every problem is reported at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): RunnerConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => issue.message));
  }
  const e = parsed.data;
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
    httpAllowList: e.WEFT_HTTP_ALLOW_PRIVATE,
    httpTimeoutMs: e.WEFT_HTTP_TIMEOUT_MS,
    httpMaxResponseBytes: e.WEFT_HTTP_MAX_RESPONSE_BYTES,
    logLevel: e.LOG_LEVEL,
    ...maintenanceConfig(e),
    ...metricsConfig(e),
  };
}
