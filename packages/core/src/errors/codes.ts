/**
 * The closed set of error codes a run step can record. Add a code here (and its default
 * retryability below) rather than inventing ad-hoc strings in nodes.
 */
export const ERROR_CODES = [
  'http_5xx',
  'http_429',
  'http_4xx',
  'network',
  'timeout',
  'ssrf_blocked',
  'invalid_config',
  'expression_error',
  /** An expression ran past its time budget and was stopped (by JSONata's guard or by ending its worker). */
  'expression_timeout',
  /** An expression went past a limit: a sequence longer than the limit, or its worker's memory. */
  'expression_limit',
  'node_not_found',
  'secret_missing',
  'cancelled',
  'internal',
  /** A scenario call's target cannot be called: unknown, archived, unpublished, of another workspace. */
  'call_target_unavailable',
  /** A scenario call would make the chain of calls longer than the runner's limit. */
  'call_depth_exceeded',
  /** A scenario call would call a scenario that is already in its chain of calls. */
  'call_recursion',
  /** The run a scenario call waited for was cancelled. */
  'child_cancelled',
  /** The database refused to store the run (a document too large or invalid): it would fail again. */
  'storage_rejected',
  /** A code node's code does not parse. */
  'code_syntax_error',
  /** A code node's code threw, rejected, or awaited something that never settles. */
  'code_error',
  /** A code node's code ran past its CPU-time limit. */
  'code_timeout',
  /** A code node's code used more memory than its limit. */
  'code_memory_limit',
  /** A code node's result is not plain data (a function, a Date, a cycle, a non-finite number …). */
  'code_result_invalid',
  /** An OAuth2 connection cannot get a token: the server refused its grant; a person must reconnect it. */
  'oauth2_reconnect',
  /** A run was claimed more often than the runner's limit without settling: dead-lettered, never retried. */
  'claims_exhausted',
  /** A flow control key (concurrency, throttle, debounce) could not be computed from the run's input. */
  'flow_key_failed',
  /** A debounced run whose batch ran as a later run of the same key (`flow.supersededBy`). */
  'debounced',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Whether an error of this code is worth retrying when the thrower did not say otherwise. */
export const RETRYABLE_BY_DEFAULT: Readonly<Record<ErrorCode, boolean>> = {
  http_5xx: true,
  http_429: true,
  http_4xx: false,
  network: true,
  timeout: true,
  ssrf_blocked: false,
  invalid_config: false,
  expression_error: false,
  // A loaded machine, not the expression, may be why; a runaway one still fails after the node's attempts.
  expression_timeout: true,
  expression_limit: false,
  node_not_found: false,
  secret_missing: false,
  cancelled: false,
  internal: false,
  call_target_unavailable: false,
  call_depth_exceeded: false,
  call_recursion: false,
  child_cancelled: false,
  storage_rejected: false,
  code_syntax_error: false,
  code_error: false,
  code_timeout: false,
  code_memory_limit: false,
  code_result_invalid: false,
  oauth2_reconnect: false,
  claims_exhausted: false,
  flow_key_failed: false,
  debounced: false,
};

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
