import { isErrorCode } from './codes.js';
import { WeftError } from './weft-error.js';

/** System error codes (node:net, node:dns, undici) that mean the connection failed. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

const TIMEOUT_CODES: ReadonlySet<string> = new Set([
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

interface ErrorFacts {
  readonly name: string | undefined;
  readonly code: string | undefined;
  readonly message: string | undefined;
}

function factsOf(value: unknown): ErrorFacts | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { name, code, message } = value as { name?: unknown; code?: unknown; message?: unknown };
  return {
    name: typeof name === 'string' ? name : undefined,
    code: typeof code === 'string' ? code : undefined,
    message: typeof message === 'string' ? message : undefined,
  };
}

/**
 * The error and everything it wraps: fetch in node throws `TypeError('fetch failed')` with the
 * socket error as `cause`, and a failed happy-eyeballs connect is an `AggregateError`.
 */
function* errorChain(err: unknown): Generator<unknown> {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0 && seen.size < 16) {
    const current = queue.shift();
    if (current === undefined || current === null || seen.has(current)) continue;
    seen.add(current);
    yield current;
    if (typeof current === 'object') {
      const { cause, errors } = current as { cause?: unknown; errors?: unknown };
      if (cause !== undefined) queue.push(cause);
      if (Array.isArray(errors)) queue.push(...errors);
    }
  }
}

function describe(err: unknown): string {
  const facts = factsOf(err);
  if (facts?.message) return facts.message;
  if (typeof err === 'string' && err !== '') return err;
  return 'Unknown error';
}

export interface ClassifyThrownOptions {
  /** The run's cancellation signal: an abort caused by it is `cancelled`, not a timeout. */
  readonly signal?: AbortSignal;
}

/**
 * Turns anything thrown into a `WeftError`. A `WeftError` is returned as is; connection
 * failures become retryable `network`, timeouts and aborts retryable `timeout`; anything
 * else is a fatal `internal` error (a bug or an unexpected condition, not worth retrying).
 */
export function classifyThrown(err: unknown, options: ClassifyThrownOptions = {}): WeftError {
  if (err instanceof WeftError) return err;
  if (options.signal?.aborted) {
    return new WeftError('cancelled', 'The run was cancelled', { cause: err });
  }

  for (const link of errorChain(err)) {
    if (link instanceof WeftError) return link;
    const facts = factsOf(link);
    if (facts === undefined) continue;
    if (facts.code !== undefined && TIMEOUT_CODES.has(facts.code)) {
      return new WeftError('timeout', `Timed out (${facts.code}): ${describe(link)}`, {
        cause: err,
        details: { systemCode: facts.code },
      });
    }
    if (facts.code !== undefined && NETWORK_CODES.has(facts.code)) {
      return new WeftError('network', `Network error (${facts.code}): ${describe(link)}`, {
        cause: err,
        details: { systemCode: facts.code },
      });
    }
    if (facts.name === 'TimeoutError' || facts.name === 'AbortError') {
      return new WeftError('timeout', `Request aborted (${facts.name}): ${describe(link)}`, { cause: err });
    }
  }

  return new WeftError('internal', describe(err), { cause: err });
}

/** Rebuilds a `WeftError` from a stored `{ code, message, retryable … }` (e.g. a run step's error). */
export function weftErrorFromSerialized(value: {
  readonly code: string;
  readonly message: string;
  readonly retryable?: boolean;
  readonly details?: Readonly<Record<string, unknown>>;
  readonly retryAfterMs?: number;
}): WeftError {
  const known = isErrorCode(value.code);
  const details = known ? value.details : { ...value.details, originalCode: value.code };
  return new WeftError(known ? value.code : 'internal', value.message, {
    ...(value.retryable === undefined ? {} : { retryable: value.retryable }),
    ...(details === undefined ? {} : { details }),
    ...(value.retryAfterMs === undefined ? {} : { retryAfterMs: value.retryAfterMs }),
  });
}
