import { type ErrorCode, RETRYABLE_BY_DEFAULT } from './codes.js';

export interface WeftErrorOptions {
  /** Defaults to the code's usual retryability (`RETRYABLE_BY_DEFAULT`). */
  readonly retryable?: boolean;
  /** Extra facts for the run log; must be JSON-serialisable (it is sanitised on serialisation anyway). */
  readonly details?: Readonly<Record<string, unknown>>;
  /** How long the remote side asked us to wait before retrying (from `Retry-After`). */
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

/** The one error type of Weft's taxonomy: a code, whether retrying can help, and serialisable details. */
export class WeftError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Readonly<Record<string, unknown>> | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, options: WeftErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WeftError';
    this.code = code;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT[code];
    this.details = options.details;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export function isWeftError(value: unknown): value is WeftError {
  return value instanceof WeftError;
}
