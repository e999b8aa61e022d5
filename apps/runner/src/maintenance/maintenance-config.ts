import type { RetentionLimit, RetentionPolicy } from '@weft/db';
import type { z } from 'zod';
import { numberVar } from '@weft/core/env';

const DAY_MS = 86_400_000;

/** Days (decimals allowed) from an environment variable; 0 turns the limit off. */
const days = (fallback: number) =>
  numberVar(fallback, { min: 0, max: 36_500, what: 'a number of days (0: off)', decimals: true });

/** A whole number from an environment variable within bounds; 0 turns the limit off where allowed. */
const whole = (fallback: number, min: number, max: number, what: string) =>
  numberVar(fallback, { min, max, what });

/**
 * The environment of the runner's schedules and retention (merged into the runner's config
 * schema, so every problem is still reported at once).
 */
export const maintenanceEnv = {
  WEFT_SCHEDULER_REFRESH_MS: whole(5_000, 100, 300_000, 'a whole number of milliseconds'),
  WEFT_RETENTION_EVERY_MS: whole(3_600_000, 1_000, 86_400_000, 'a whole number of milliseconds'),
  WEFT_RETENTION_MAX_DURATION_MS: whole(60_000, 100, 3_600_000, 'a whole number of milliseconds'),
  WEFT_RETENTION_RUN_LOGS_DAYS: days(30),
  WEFT_RETENTION_RUN_LOGS_MAX: whole(1_000_000, 0, 1e12, 'a whole number (0 = off)'),
  WEFT_RETENTION_OUTPUTS_DAYS: days(30),
  WEFT_RETENTION_OUTPUTS_MAX_RUNS: whole(100_000, 0, 1e12, 'a whole number (0 = off)'),
  WEFT_RETENTION_JOBS_DAYS: days(7),
  WEFT_RETENTION_JOBS_MAX: whole(10_000, 0, 1e12, 'a whole number (0 = off)'),
};

type MaintenanceEnv = { [K in keyof typeof maintenanceEnv]: z.output<(typeof maintenanceEnv)[K]> };

export interface MaintenanceConfig {
  readonly scheduler: { readonly refreshEveryMs: number };
  readonly retention: {
    readonly everyMs: number;
    /** One retention run stops starting batches after this; the next run goes on. */
    readonly maxDurationMs: number;
    readonly policy: RetentionPolicy;
  };
}

function limit(ageDays: number, maxCount: number): RetentionLimit {
  return {
    maxAgeMs: ageDays > 0 ? Math.round(ageDays * DAY_MS) : null,
    maxCount: maxCount > 0 ? maxCount : null,
  };
}

export function maintenanceConfig(env: MaintenanceEnv): MaintenanceConfig {
  return {
    scheduler: { refreshEveryMs: env.WEFT_SCHEDULER_REFRESH_MS },
    retention: {
      everyMs: env.WEFT_RETENTION_EVERY_MS,
      maxDurationMs: env.WEFT_RETENTION_MAX_DURATION_MS,
      policy: {
        runLogs: limit(env.WEFT_RETENTION_RUN_LOGS_DAYS, env.WEFT_RETENTION_RUN_LOGS_MAX),
        stepOutputs: limit(env.WEFT_RETENTION_OUTPUTS_DAYS, env.WEFT_RETENTION_OUTPUTS_MAX_RUNS),
        finishedJobs: limit(env.WEFT_RETENTION_JOBS_DAYS, env.WEFT_RETENTION_JOBS_MAX),
      },
    },
  };
}
