import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, retryPolicySchema } from './policy.js';

function messagesOf(input: unknown): string[] {
  const result = retryPolicySchema.safeParse(input);
  return result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('retryPolicySchema', () => {
  it('fills every default', () => {
    expect(retryPolicySchema.parse({})).toEqual({
      maxAttempts: 3,
      initialDelayMs: 1000,
      maxDelayMs: 60_000,
      multiplier: 2,
      jitter: 'full',
    });
    expect(DEFAULT_RETRY_POLICY.maxAttempts).toBe(3);
  });

  it('accepts a node type default shape and keeps given values', () => {
    expect(
      retryPolicySchema.parse({ maxAttempts: 5, initialDelayMs: 0, maxDelayMs: 0, jitter: 'none' }),
    ).toMatchObject({
      maxAttempts: 5,
      initialDelayMs: 0,
      maxDelayMs: 0,
      jitter: 'none',
    });
  });

  it('bounds maxAttempts to whole numbers in 1..20', () => {
    expect(messagesOf({ maxAttempts: 0 })).toEqual(['maxAttempts: maxAttempts must be at least 1']);
    expect(messagesOf({ maxAttempts: 21 })).toEqual(['maxAttempts: maxAttempts must be at most 20']);
    expect(messagesOf({ maxAttempts: 2.5 })).toEqual(['maxAttempts: maxAttempts must be a whole number']);
    expect(messagesOf({ maxAttempts: '3' })).toEqual(['maxAttempts: maxAttempts must be a number']);
  });

  it('rejects negative delays, a shrinking multiplier and unknown jitter', () => {
    expect(messagesOf({ initialDelayMs: -1 })).toEqual([
      'initialDelayMs: initialDelayMs must not be negative',
    ]);
    expect(messagesOf({ multiplier: 0.5 })).toEqual([
      'multiplier: multiplier must be at least 1 (1 means a constant delay)',
    ]);
    expect(messagesOf({ jitter: 'equal' })).toEqual(['jitter: jitter must be "full" or "none"']);
    expect(messagesOf({ maxDelayMs: 10 ** 10 })).toEqual([
      'maxDelayMs: maxDelayMs must be at most 24 hours (86400000)',
    ]);
  });

  it('requires initialDelayMs <= maxDelayMs, naming both values', () => {
    expect(messagesOf({ initialDelayMs: 5000, maxDelayMs: 1000 })).toEqual([
      'initialDelayMs: initialDelayMs (5000) must not exceed maxDelayMs (1000)',
    ]);
    expect(messagesOf({ initialDelayMs: 90_000 })).toEqual([
      'initialDelayMs: initialDelayMs (90000) must not exceed maxDelayMs (60000)',
    ]);
  });
});
