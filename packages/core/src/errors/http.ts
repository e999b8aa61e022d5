import { parseRetryAfter } from '../retry/retry-after.js';
import { WeftError } from './weft-error.js';

/** Response headers as plain objects (node, our HttpResponse) or a fetch `Headers`. */
export type HeaderSource =
  | Readonly<Record<string, string | readonly string[] | undefined>>
  | { get(name: string): string | null };

const REASON_PHRASES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

function isHeadersLike(headers: HeaderSource): headers is { get(name: string): string | null } {
  return typeof (headers as { get?: unknown }).get === 'function';
}

/** Case-insensitive header lookup; a repeated header yields its first value. */
export function getHeader(headers: HeaderSource | undefined, name: string): string | undefined {
  if (headers === undefined) return undefined;
  if (isHeadersLike(headers)) return headers.get(name) ?? undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return typeof value === 'string' ? value : value[0];
  }
  return undefined;
}

function describeStatus(status: number): string {
  const phrase = REASON_PHRASES[status];
  return phrase === undefined ? `HTTP ${status}` : `HTTP ${status} ${phrase}`;
}

/**
 * The error an HTTP response status means, or `undefined` for a non-error status (< 400).
 * 408, 429 and 5xx are retryable; every other 4xx is fatal (retrying the same request
 * cannot fix it). A `Retry-After` header on a retryable status is carried as `retryAfterMs`.
 */
export function classifyHttpStatus(
  status: number,
  headers?: HeaderSource,
  now: Date | number = Date.now(),
): WeftError | undefined {
  if (!Number.isInteger(status) || status < 100 || status > 599) {
    return new WeftError('internal', `Invalid HTTP status ${status}`, { details: { status } });
  }
  if (status < 400) return undefined;

  const retryable = status === 408 || status === 429 || status >= 500;
  const retryAfterMs = retryable ? parseRetryAfter(getHeader(headers, 'retry-after'), now) : undefined;
  const code =
    status === 429 ? 'http_429' : status === 408 ? 'timeout' : status >= 500 ? 'http_5xx' : 'http_4xx';
  const waitHint =
    retryAfterMs === undefined ? '' : ` (server asked to retry after ${Math.ceil(retryAfterMs / 1000)}s)`;
  return new WeftError(code, `${describeStatus(status)}${waitHint}`, {
    retryable,
    details: { status },
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}
