import type { ExpressionWorkerOptions } from '@weft/core/expression-workers';
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  ConfigError,
  type LogLevelName,
  parseEnv,
  sharedEnv,
  type TracingConfig,
  tracingConfigOf,
  unsetIfEmpty,
} from '@weft/core/env';
import type { Keyring } from '@weft/core/secrets';
import { z } from 'zod';
import { type ApiLimits, DEFAULT_LIMITS } from './deps.js';
import type { AllowList } from '@weft/core/net';

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1024,
  k: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  m: 1024 ** 2,
  mib: 1024 ** 2,
};

/** "1048576", "512kb", "1mb", "1 MiB" → bytes; null when unreadable. */
export function parseByteSize(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  if (!match) return null;
  const unit = UNITS[match[2]!.toLowerCase()];
  if (unit === undefined) return null;
  return Math.floor(Number(match[1]) * unit);
}

const envSchema = z.object({
  MONGODB_URI: sharedEnv.MONGODB_URI,
  PORT: z.preprocess(
    unsetIfEmpty,
    z.coerce
      .number({ error: 'must be a port number' })
      .int({ error: 'must be a whole number' })
      .min(0, { error: 'must be between 0 and 65535' })
      .max(65_535, { error: 'must be between 0 and 65535' })
      .default(8080),
  ),
  HOST: z.preprocess(unsetIfEmpty, z.string().trim().default('0.0.0.0')),
  WEFT_SECRET_KEYS: sharedEnv.WEFT_SECRET_KEYS,
  WEFT_BOOTSTRAP_TOKEN: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .trim()
      .regex(/^weft_[A-Za-z0-9_-]{20,}$/, {
        error: 'must look like weft_<at least 20 characters of A-Z a-z 0-9 _ ->',
      })
      .optional(),
  ),
  WEFT_WEBHOOK_BODY_LIMIT: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .transform((value, ctx) => {
        const bytes = parseByteSize(value);
        if (bytes === null || bytes < 1) {
          ctx.addIssue({ code: 'custom', message: 'must be a size such as 1048576, 512kb or 1mb' });
          return z.NEVER;
        }
        return bytes;
      })
      .default(DEFAULT_LIMITS.webhookBodyLimitBytes),
  ),
  WEFT_WEBHOOK_RATE_PER_SEC: z.preprocess(
    unsetIfEmpty,
    z.coerce
      .number({ error: 'must be a number of requests per second (0 turns the limit off)' })
      .min(0, { error: 'must be 0 or more' })
      .default(DEFAULT_LIMITS.webhookRatePerSec),
  ),
  WEFT_WEBHOOK_BURST: z.preprocess(
    unsetIfEmpty,
    z.coerce
      .number({ error: 'must be a whole number of requests' })
      .int({ error: 'must be a whole number of requests' })
      .min(1, { error: 'must be at least 1' })
      .optional(),
  ),
  WEFT_WEBHOOK_MAX_IN_FLIGHT: z.preprocess(
    unsetIfEmpty,
    z.coerce
      .number({ error: 'must be a whole number of webhooks' })
      .int({ error: 'must be a whole number of webhooks' })
      .min(1, { error: 'must be at least 1' })
      .default(DEFAULT_LIMITS.webhookMaxInFlight),
  ),
  WEFT_WEBHOOK_SHED_AFTER_MS: z.preprocess(
    unsetIfEmpty,
    z.coerce
      .number({ error: 'must be a number of milliseconds' })
      .int({ error: 'must be a whole number of milliseconds' })
      .min(100, { error: 'must be at least 100' })
      .default(DEFAULT_LIMITS.webhookShedAfterMs),
  ),
  WEFT_WEB_DIST: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .refine((dir) => existsSync(path.join(dir, 'index.html')), {
        error: 'must be a directory holding the built web app (index.html); build apps/web first',
      })
      .optional(),
  ),
  WEFT_HTTP_ALLOW_PRIVATE: sharedEnv.WEFT_HTTP_ALLOW_PRIVATE,
  WEFT_PUBLIC_URL: z.preprocess(
    unsetIfEmpty,
    z
      .url({ protocol: /^https?$/, error: 'must be the absolute http(s) URL browsers reach the api at' })
      .optional(),
  ),
  WEFT_METRICS_TOKEN: z.preprocess(
    unsetIfEmpty,
    z.string().trim().min(16, { error: 'must be at least 16 characters (openssl rand -hex 16)' }).optional(),
  ),
  OTEL_EXPORTER_OTLP_ENDPOINT: sharedEnv.OTEL_EXPORTER_OTLP_ENDPOINT,
  OTEL_SERVICE_NAME: sharedEnv.OTEL_SERVICE_NAME,
  OTEL_BSP_SCHEDULE_DELAY: sharedEnv.OTEL_BSP_SCHEDULE_DELAY,
  WEFT_BULK_WORKER: z.preprocess(
    unsetIfEmpty,
    z.enum(['0', '1'], { error: 'must be 1 (process bulk jobs in this api) or 0 (leave them to other api processes)' }).default('1'),
  ),
  LOG_LEVEL: sharedEnv.LOG_LEVEL,
  WEFT_EXPRESSION_WORKERS: sharedEnv.WEFT_EXPRESSION_WORKERS,
  WEFT_EXPRESSION_MEMORY_MB: sharedEnv.WEFT_EXPRESSION_MEMORY_MB,
});

export interface ApiConfig {
  /** The expression workers' pool (`WEFT_EXPRESSION_WORKERS`, `WEFT_EXPRESSION_MEMORY_MB`). */
  readonly expressionWorkers: ExpressionWorkerOptions;
  readonly mongodbUri: string;
  readonly port: number;
  readonly host: string;
  readonly keyring: Keyring;
  readonly bootstrapToken: string | null;
  readonly logLevel: LogLevelName;
  readonly limits: ApiLimits;
  /** Private targets connection health checks may reach (same variable and rule as the runner). */
  readonly httpAllowList: AllowList;
  /** The built web app served at `/`, or null. */
  readonly webDist: string | null;
  /** Where browsers reach the api: OAuth2 redirect URIs are `<publicUrl>/oauth2/callback`. */
  readonly publicUrl: string;
  /** The bearer token of `GET /metrics`; null: served to this machine only. */
  readonly metricsToken: string | null;
  /** OTLP trace export (`OTEL_EXPORTER_OTLP_ENDPOINT`); null: no tracing. */
  readonly tracing: TracingConfig | null;
  /** Whether this process takes and processes bulk replays and redeliveries. */
  readonly bulkWorker: boolean;
}

export { ConfigError };

/** Reads and checks the environment at start-up. Throws `ConfigError` naming each bad variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): ApiConfig {
  const value = parseEnv(envSchema, env, 'api');
  const rate = value.WEFT_WEBHOOK_RATE_PER_SEC;
  return {
    mongodbUri: value.MONGODB_URI,
    port: value.PORT,
    host: value.HOST,
    keyring: value.WEFT_SECRET_KEYS,
    bootstrapToken: value.WEFT_BOOTSTRAP_TOKEN ?? null,
    logLevel: value.LOG_LEVEL,
    expressionWorkers: {
      size: value.WEFT_EXPRESSION_WORKERS,
      memoryLimitMb: value.WEFT_EXPRESSION_MEMORY_MB,
    },
    httpAllowList: value.WEFT_HTTP_ALLOW_PRIVATE,
    webDist: value.WEFT_WEB_DIST ? path.resolve(value.WEFT_WEB_DIST) : null,
    publicUrl: (value.WEFT_PUBLIC_URL ?? `http://localhost:${value.PORT}`).replace(/\/+$/, ''),
    metricsToken: value.WEFT_METRICS_TOKEN ?? null,
    tracing: tracingConfigOf(value, 'weft-api'),
    bulkWorker: value.WEFT_BULK_WORKER === '1',
    limits: {
      ...DEFAULT_LIMITS,
      webhookBodyLimitBytes: value.WEFT_WEBHOOK_BODY_LIMIT,
      webhookRatePerSec: rate,
      webhookBurst: value.WEFT_WEBHOOK_BURST ?? Math.max(1, Math.ceil(rate * 2)),
      webhookMaxInFlight: value.WEFT_WEBHOOK_MAX_IN_FLIGHT,
      webhookShedAfterMs: value.WEFT_WEBHOOK_SHED_AFTER_MS,
    },
  };
}
