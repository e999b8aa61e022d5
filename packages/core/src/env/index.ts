/**
 * The environment variables the api and the runner share, and the one way both read and report
 * theirs: each variable's schema says what is wrong without naming it, `parseEnv` puts the name in
 * front, so every message reads "<VARIABLE> <what is wrong>" and every problem is reported at once.
 * Node-only (the keyring): public entry `@weft/core/env`.
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { DEFAULT_EXPRESSION_WORKER_MEMORY_MB } from '../expression-workers/pool.js';
import { type AllowList, parseAllowList } from '../net/ip-guard.js';
import { type Keyring, parseKeyringEnv } from '../secrets/keyring.js';

/** Unset and empty (or blank) variables are the same: the default applies. */
export const unsetIfEmpty = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** A thrown message, as the rest of a problem. */
const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * A number: unset or empty gives `fallback`; anything else must be a number (a whole one unless
 * `decimals`) within [min, max].
 */
export function numberVar(
  fallback: number,
  rule: { readonly min: number; readonly max: number; readonly what: string; readonly decimals?: boolean },
) {
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return fallback;
      const parsed = Number(value);
      const valid = rule.decimals ? Number.isFinite(parsed) : Number.isInteger(parsed);
      if (!valid || parsed < rule.min || parsed > rule.max) {
        ctx.addIssue({
          code: 'custom',
          message: `must be ${rule.what} between ${rule.min} and ${rule.max}, got "${value}"`,
        });
        return z.NEVER;
      }
      return parsed;
    });
}

/** What both the api and the runner read, with the same rules and words. */
export const sharedEnv = {
  MONGODB_URI: z.preprocess(
    unsetIfEmpty,
    z
      .string({ error: 'is required: the MongoDB connection string, e.g. mongodb://127.0.0.1:27017/weft' })
      .trim()
      .regex(/^mongodb(\+srv)?:\/\//, { error: 'must start with mongodb:// or mongodb+srv://' }),
  ),
  WEFT_SECRET_KEYS: z.preprocess(
    unsetIfEmpty,
    z
      .string({
        error:
          'is required: the keys that encrypt connection secrets, "<keyId>:<base64 of 32 random bytes>[,…]", the first key encrypts (openssl rand -base64 32)',
      })
      .transform((value, ctx): Keyring => {
        try {
          return parseKeyringEnv(value);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: `is invalid: ${reason(error)}` });
          return z.NEVER;
        }
      }),
  ),
  WEFT_HTTP_ALLOW_PRIVATE: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .optional()
      .transform((value, ctx): AllowList => {
        try {
          return parseAllowList(value ?? '');
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: `is invalid: ${reason(error)}` });
          return z.NEVER;
        }
      }),
  ),
  /** Set: traces are exported over OTLP/HTTP (JSON) to `<endpoint>/v1/traces`; unset: no tracing at all. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .trim()
      .refine((value) => /^https?:\/\//.test(value) && URL.canParse(value), {
        error: 'must be an http:// or https:// URL, e.g. http://collector:4318',
      })
      .optional(),
  ),
  /** The traces' `service.name`; each process has its own default. */
  OTEL_SERVICE_NAME: z.preprocess(unsetIfEmpty, z.string().trim().optional()),
  /** How long finished spans wait to be exported together. */
  OTEL_BSP_SCHEDULE_DELAY: numberVar(5_000, { min: 1, max: 3_600_000, what: 'a number of milliseconds' }),
  /** Worker threads evaluating tenants' expressions that could stall the process (`@weft/core/expression-workers`). */
  WEFT_EXPRESSION_WORKERS: numberVar(Math.min(4, availableParallelism()), {
    min: 1,
    max: 64,
    what: 'a whole number of threads',
  }),
  /** Each expression worker's heap limit; an expression past it fails with `expression_limit`. */
  WEFT_EXPRESSION_MEMORY_MB: numberVar(DEFAULT_EXPRESSION_WORKER_MEMORY_MB, {
    min: 32,
    max: 16_384,
    what: 'a whole number of MiB',
  }),
  LOG_LEVEL: z.preprocess(
    (value) => (typeof value === 'string' ? unsetIfEmpty(value.trim().toLowerCase()) : value),
    z
      .enum(LOG_LEVELS, {
        error: (issue) => `must be one of ${LOG_LEVELS.join(', ')}, got "${String(issue.input)}"`,
      })
      .default('info'),
  ),
};

/** Where and how a process exports its traces; null: tracing is off. */
export interface TracingConfig {
  /** OTLP/HTTP base URL; spans go to `<endpoint>/v1/traces`. */
  readonly endpoint: string;
  readonly serviceName: string;
  readonly scheduleDelayMs: number;
}

/** The tracing of a process from its parsed `OTEL_*` variables: on only with an endpoint. */
export function tracingConfigOf(
  value: {
    readonly OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
    readonly OTEL_SERVICE_NAME?: string | undefined;
    readonly OTEL_BSP_SCHEDULE_DELAY: number;
  },
  defaultServiceName: string,
): TracingConfig | null {
  if (value.OTEL_EXPORTER_OTLP_ENDPOINT === undefined) return null;
  return {
    endpoint: value.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, ''),
    serviceName: value.OTEL_SERVICE_NAME ?? defaultServiceName,
    scheduleDelayMs: value.OTEL_BSP_SCHEDULE_DELAY,
  };
}

/** The configuration is unusable; the message lists every variable at fault. */
export class ConfigError extends Error {
  constructor(
    readonly problems: readonly string[],
    what: string,
  ) {
    super(`invalid ${what} configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses `env` with `schema`; throws `ConfigError` with one "<VARIABLE> <problem>" line per problem. */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Readonly<Record<string, string | undefined>>,
  what: string,
): z.output<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map(
      (issue) => `${issue.path.map(String).join('.') || 'environment'} ${issue.message}`,
    ),
    what,
  );
}
