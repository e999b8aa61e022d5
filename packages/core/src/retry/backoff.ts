import type { RetryPolicy } from './policy.js';

/**
 * The most a `Retry-After` may stretch a single wait. A server asking for more gets retried
 * after this long (and will answer 429/503 again if it meant it) instead of parking a run
 * for an unbounded time.
 */
export const RETRY_AFTER_CAP_MS = 60 * 60 * 1000;

/** A source of uniform numbers in [0, 1); injectable so tests are deterministic. */
export type RandomSource = () => number;

export type BackoffPolicy = Pick<RetryPolicy, 'initialDelayMs' | 'maxDelayMs' | 'multiplier' | 'jitter'>;

function assertAttempt(attempt: number): void {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`attempt must be a positive integer (1-based), got ${attempt}`);
  }
}

/** `min(maxDelayMs, initialDelayMs * multiplier^(attempt-1))`, before jitter. */
export function exponentialDelayMs(policy: BackoffPolicy, attempt: number): number {
  assertAttempt(attempt);
  const raw = policy.initialDelayMs * policy.multiplier ** (attempt - 1);
  return Math.round(Math.min(policy.maxDelayMs, raw));
}

/**
 * The wait before retrying after `attempt` (1-based, the attempt that just failed) failed.
 * With full jitter the wait is a whole number of ms drawn uniformly from [0, exponential delay].
 */
export function computeBackoffMs(
  policy: BackoffPolicy,
  attempt: number,
  random: RandomSource = Math.random,
): number {
  const ceiling = exponentialDelayMs(policy, attempt);
  if (policy.jitter === 'none') return ceiling;
  const draw = Math.min(Math.max(random(), 0), 1 - Number.EPSILON);
  return Math.floor(draw * (ceiling + 1));
}

export interface NextRetryOptions {
  /** The wait the failed call asked for (see `parseRetryAfter`, `WeftError.retryAfterMs`). */
  readonly retryAfterMs?: number;
  /** Upper bound for honouring `retryAfterMs`; defaults to `RETRY_AFTER_CAP_MS`. */
  readonly retryAfterCapMs?: number;
  readonly random?: RandomSource;
}

export type RetryDecision =
  | { readonly retry: true; readonly delayMs: number }
  | { readonly retry: false; readonly reason: 'max_attempts' };

/**
 * Whether to retry after `attempt` failed, and how long to wait. A `retryAfterMs` raises the
 * wait to at least that much, but never beyond `retryAfterCapMs` — the back-off itself is
 * still bounded by the policy's `maxDelayMs`.
 */
export function nextRetry(
  policy: Pick<RetryPolicy, 'maxAttempts'> & BackoffPolicy,
  attempt: number,
  options: NextRetryOptions = {},
): RetryDecision {
  assertAttempt(attempt);
  if (attempt >= policy.maxAttempts) return { retry: false, reason: 'max_attempts' };
  const backoff = computeBackoffMs(policy, attempt, options.random);
  const { retryAfterMs } = options;
  if (retryAfterMs === undefined || !Number.isFinite(retryAfterMs) || retryAfterMs <= 0) {
    return { retry: true, delayMs: backoff };
  }
  const honoured = Math.min(Math.ceil(retryAfterMs), options.retryAfterCapMs ?? RETRY_AFTER_CAP_MS);
  return { retry: true, delayMs: Math.max(backoff, honoured) };
}
