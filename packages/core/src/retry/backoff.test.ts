import { describe, expect, it } from 'vitest';
import { computeBackoffMs, exponentialDelayMs, nextRetry, RETRY_AFTER_CAP_MS } from './backoff.js';
import { type RetryPolicy, retryPolicySchema } from './policy.js';

const policy = (overrides: Partial<RetryPolicy> = {}): RetryPolicy =>
  retryPolicySchema.parse({ maxAttempts: 5, initialDelayMs: 1000, maxDelayMs: 10_000, ...overrides });

/** mulberry32: a tiny seeded PRNG, so the distribution test is reproducible. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const always = (value: number) => () => value;

describe('computeBackoffMs', () => {
  it('grows exponentially without jitter and stops at the cap', () => {
    const noJitter = policy({ jitter: 'none' });
    expect([1, 2, 3, 4, 5, 6].map((attempt) => computeBackoffMs(noJitter, attempt))).toEqual([
      1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
  });

  it('honours the multiplier', () => {
    expect(exponentialDelayMs(policy({ multiplier: 3 }), 3)).toBe(9000);
    expect(exponentialDelayMs(policy({ multiplier: 1 }), 4)).toBe(1000);
  });

  it('does not overflow for large attempts', () => {
    expect(exponentialDelayMs(policy({ multiplier: 10 }), 400)).toBe(10_000);
  });

  it('draws full jitter uniformly in [0, delay] from the injected random', () => {
    const full = policy();
    expect(computeBackoffMs(full, 1, always(0))).toBe(0);
    expect(computeBackoffMs(full, 1, always(0.5))).toBe(500);
    expect(computeBackoffMs(full, 1, always(0.999_999_9))).toBe(1000);
    expect(computeBackoffMs(full, 3, always(0.5))).toBe(2000);
    expect(computeBackoffMs(full, 9, always(0.999_999_9))).toBe(10_000);
  });

  it('clamps a misbehaving random source into range', () => {
    expect(computeBackoffMs(policy(), 1, always(1))).toBe(1000);
    expect(computeBackoffMs(policy(), 1, always(-3))).toBe(0);
  });

  it('rejects attempts that are not positive integers', () => {
    expect(() => computeBackoffMs(policy(), 0)).toThrow(/positive integer/);
    expect(() => computeBackoffMs(policy(), 1.5)).toThrow(/positive integer/);
  });

  it('has a mean near half the cap over 10k full-jitter draws', () => {
    const random = seededRandom(42);
    const capped = policy();
    let sum = 0;
    let min = Number.POSITIVE_INFINITY;
    let max = 0;
    for (let i = 0; i < 10_000; i++) {
      const delay = computeBackoffMs(capped, 10, random);
      sum += delay;
      min = Math.min(min, delay);
      max = Math.max(max, delay);
    }
    expect(sum / 10_000).toBeGreaterThan(4_800);
    expect(sum / 10_000).toBeLessThan(5_200);
    expect(min).toBeGreaterThanOrEqual(0);
    expect(min).toBeLessThan(100);
    expect(max).toBeLessThanOrEqual(10_000);
    expect(max).toBeGreaterThan(9_900);
  });
});

describe('nextRetry', () => {
  it('retries until maxAttempts attempts have been made', () => {
    const three = policy({ maxAttempts: 3, jitter: 'none' });
    expect(nextRetry(three, 1)).toEqual({ retry: true, delayMs: 1000 });
    expect(nextRetry(three, 2)).toEqual({ retry: true, delayMs: 2000 });
    expect(nextRetry(three, 3)).toEqual({ retry: false, reason: 'max_attempts' });
    expect(nextRetry(three, 7)).toEqual({ retry: false, reason: 'max_attempts' });
  });

  it('never retries a single-attempt policy', () => {
    expect(nextRetry(policy({ maxAttempts: 1 }), 1)).toEqual({ retry: false, reason: 'max_attempts' });
  });

  it('passes the random source through', () => {
    expect(nextRetry(policy(), 2, { random: always(0.25) })).toEqual({ retry: true, delayMs: 500 });
  });

  it('waits at least Retry-After', () => {
    expect(nextRetry(policy(), 1, { random: always(0), retryAfterMs: 30_000 })).toEqual({
      retry: true,
      delayMs: 30_000,
    });
  });

  it('keeps the back-off when it is already longer than Retry-After', () => {
    const noJitter = policy({ jitter: 'none' });
    expect(nextRetry(noJitter, 4, { retryAfterMs: 1_000 })).toEqual({ retry: true, delayMs: 8000 });
  });

  it('caps an excessive Retry-After', () => {
    expect(nextRetry(policy(), 1, { random: always(0), retryAfterMs: 10 * RETRY_AFTER_CAP_MS })).toEqual({
      retry: true,
      delayMs: RETRY_AFTER_CAP_MS,
    });
    expect(
      nextRetry(policy(), 1, { random: always(0), retryAfterMs: 120_000, retryAfterCapMs: 60_000 }),
    ).toEqual({
      retry: true,
      delayMs: 60_000,
    });
  });

  it('ignores a meaningless Retry-After', () => {
    for (const retryAfterMs of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(nextRetry(policy(), 1, { random: always(0), retryAfterMs })).toEqual({
        retry: true,
        delayMs: 0,
      });
    }
  });

  it('still stops at maxAttempts whatever Retry-After says', () => {
    expect(nextRetry(policy({ maxAttempts: 2 }), 2, { retryAfterMs: 5 })).toEqual({
      retry: false,
      reason: 'max_attempts',
    });
  });
});
