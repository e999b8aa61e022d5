export {
  type BackoffPolicy,
  computeBackoffMs,
  exponentialDelayMs,
  type NextRetryOptions,
  nextRetry,
  RETRY_AFTER_CAP_MS,
  type RandomSource,
  type RetryDecision,
} from './backoff.js';
export {
  DEFAULT_RETRY_POLICY,
  MAX_POLICY_DELAY_MS,
  type RetryPolicy,
  type RetryPolicyInput,
  retryPolicySchema,
} from './policy.js';
export { parseRetryAfter } from './retry-after.js';
