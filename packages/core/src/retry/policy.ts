import { z } from 'zod';

/** The longest back-off a policy may ask for. Longer waits belong in a schedule, not a retry. */
export const MAX_POLICY_DELAY_MS = 24 * 60 * 60 * 1000;

/**
 * How a node retries a retryable failure. `maxAttempts` counts every attempt including the
 * first: 3 means one try and at most two retries.
 */
export const retryPolicySchema = z
  .object({
    maxAttempts: z
      .number({ error: 'maxAttempts must be a number' })
      .int({ error: 'maxAttempts must be a whole number' })
      .min(1, { error: 'maxAttempts must be at least 1' })
      .max(20, { error: 'maxAttempts must be at most 20' })
      .default(3),
    initialDelayMs: z
      .number({ error: 'initialDelayMs must be a number' })
      .int({ error: 'initialDelayMs must be a whole number of milliseconds' })
      .min(0, { error: 'initialDelayMs must not be negative' })
      .default(1000),
    maxDelayMs: z
      .number({ error: 'maxDelayMs must be a number' })
      .int({ error: 'maxDelayMs must be a whole number of milliseconds' })
      .min(0, { error: 'maxDelayMs must not be negative' })
      .max(MAX_POLICY_DELAY_MS, { error: 'maxDelayMs must be at most 24 hours (86400000)' })
      .default(60_000),
    multiplier: z
      .number({ error: 'multiplier must be a number' })
      .min(1, { error: 'multiplier must be at least 1 (1 means a constant delay)' })
      .max(10, { error: 'multiplier must be at most 10' })
      .default(2),
    jitter: z.enum(['full', 'none'], { error: 'jitter must be "full" or "none"' }).default('full'),
  })
  .superRefine((policy, ctx) => {
    if (policy.initialDelayMs > policy.maxDelayMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['initialDelayMs'],
        message: `initialDelayMs (${policy.initialDelayMs}) must not exceed maxDelayMs (${policy.maxDelayMs})`,
      });
    }
  });

export type RetryPolicy = z.output<typeof retryPolicySchema>;
export type RetryPolicyInput = z.input<typeof retryPolicySchema>;

export const DEFAULT_RETRY_POLICY: RetryPolicy = retryPolicySchema.parse({});
