import { describe, expect, it } from 'vitest';
import { RETRYABLE_BY_DEFAULT } from './codes.js';
import { classifyHttpStatus, getHeader } from './http.js';
import { serializedErrorSchema, toJsonSafe, toSerializableError } from './serialize.js';
import { classifyThrown, weftErrorFromSerialized } from './thrown.js';
import { isWeftError, WeftError } from './weft-error.js';

const NOW = Date.parse('2025-01-01T00:00:00Z');

function systemError(code: string, message = `connect ${code}`): Error {
  return Object.assign(new Error(message), { code });
}

describe('WeftError', () => {
  it('takes its retryability from the code unless told', () => {
    expect(new WeftError('network', 'x').retryable).toBe(true);
    expect(new WeftError('invalid_config', 'x').retryable).toBe(false);
    expect(new WeftError('internal', 'x', { retryable: true }).retryable).toBe(true);
    expect(RETRYABLE_BY_DEFAULT.ssrf_blocked).toBe(false);
  });

  it('is an Error with a name, a cause and details', () => {
    const cause = new Error('root');
    const error = new WeftError('secret_missing', 'No secret "token"', { cause, details: { key: 'token' } });
    expect(error).toBeInstanceOf(Error);
    expect(isWeftError(error)).toBe(true);
    expect(error.name).toBe('WeftError');
    expect(error.cause).toBe(cause);
    expect(error.details).toEqual({ key: 'token' });
  });
});

describe('classifyHttpStatus', () => {
  it('passes success and redirects', () => {
    expect(classifyHttpStatus(200)).toBeUndefined();
    expect(classifyHttpStatus(204, {})).toBeUndefined();
    expect(classifyHttpStatus(302, {})).toBeUndefined();
  });

  it('makes 5xx retryable http_5xx', () => {
    for (const status of [500, 502, 503, 504, 599]) {
      const error = classifyHttpStatus(status, {});
      expect(error).toMatchObject({ code: 'http_5xx', retryable: true, details: { status } });
    }
    expect(classifyHttpStatus(503)?.message).toBe('HTTP 503 Service Unavailable');
  });

  it('makes 429 retryable http_429 and 408 a retryable timeout', () => {
    expect(classifyHttpStatus(429, {})).toMatchObject({ code: 'http_429', retryable: true });
    expect(classifyHttpStatus(408, {})).toMatchObject({
      code: 'timeout',
      retryable: true,
      details: { status: 408 },
    });
  });

  it('makes other 4xx fatal http_4xx', () => {
    for (const status of [400, 401, 403, 404, 409, 422, 451]) {
      expect(classifyHttpStatus(status, {})).toMatchObject({ code: 'http_4xx', retryable: false });
    }
    expect(classifyHttpStatus(404)?.message).toBe('HTTP 404 Not Found');
    expect(classifyHttpStatus(418)?.message).toBe('HTTP 418');
  });

  it('honours Retry-After in seconds and as a date, whatever the header case', () => {
    const seconds = classifyHttpStatus(429, { 'Retry-After': '30' }, NOW);
    expect(seconds?.retryAfterMs).toBe(30_000);
    expect(seconds?.message).toBe('HTTP 429 Too Many Requests (server asked to retry after 30s)');
    const date = classifyHttpStatus(503, { 'retry-after': 'Wed, 01 Jan 2025 00:02:00 GMT' }, NOW);
    expect(date?.retryAfterMs).toBe(120_000);
  });

  it('reads fetch Headers and repeated headers', () => {
    const headers = new Headers({ 'Retry-After': '7' });
    expect(classifyHttpStatus(503, headers, NOW)?.retryAfterMs).toBe(7_000);
    expect(getHeader({ 'retry-after': ['3', '9'] }, 'Retry-After')).toBe('3');
  });

  it('ignores Retry-After garbage and Retry-After on fatal statuses', () => {
    expect(classifyHttpStatus(429, { 'retry-after': 'later' }, NOW)?.retryAfterMs).toBeUndefined();
    expect(classifyHttpStatus(400, { 'retry-after': '5' }, NOW)?.retryAfterMs).toBeUndefined();
  });

  it('reports an impossible status as internal', () => {
    expect(classifyHttpStatus(42)).toMatchObject({ code: 'internal', retryable: false });
  });
});

describe('classifyThrown', () => {
  it('returns a WeftError as it is', () => {
    const error = new WeftError('ssrf_blocked', 'Refused 10.0.0.1');
    expect(classifyThrown(error)).toBe(error);
  });

  it.each(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET'])(
    '%s is a retryable network error',
    (code) => {
      const error = classifyThrown(systemError(code));
      expect(error).toMatchObject({ code: 'network', retryable: true, details: { systemCode: code } });
      expect(error.message).toContain(code);
    },
  );

  it.each(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT'])(
    '%s is a retryable timeout',
    (code) => {
      expect(classifyThrown(systemError(code))).toMatchObject({ code: 'timeout', retryable: true });
    },
  );

  it('finds the socket error behind fetch failed', () => {
    const fetchFailed = new TypeError('fetch failed', { cause: systemError('ECONNREFUSED') });
    expect(classifyThrown(fetchFailed)).toMatchObject({ code: 'network', retryable: true });
    expect(classifyThrown(fetchFailed).cause).toBe(fetchFailed);
  });

  it('looks inside AggregateError', () => {
    const aggregate = new AggregateError(
      [systemError('ECONNREFUSED'), systemError('ECONNREFUSED')],
      'all failed',
    );
    expect(classifyThrown(aggregate).code).toBe('network');
  });

  it('treats AbortError and TimeoutError as retryable timeouts', () => {
    expect(classifyThrown(new DOMException('The operation was aborted', 'AbortError'))).toMatchObject({
      code: 'timeout',
      retryable: true,
    });
    expect(classifyThrown(new DOMException('signal timed out', 'TimeoutError'))).toMatchObject({
      code: 'timeout',
      retryable: true,
    });
    const controller = new AbortController();
    controller.abort();
    expect(classifyThrown(controller.signal.reason).code).toBe('timeout');
  });

  it('calls an abort by the run cancellation signal cancelled, not a timeout', () => {
    const controller = new AbortController();
    controller.abort();
    expect(
      classifyThrown(new DOMException('aborted', 'AbortError'), { signal: controller.signal }),
    ).toMatchObject({ code: 'cancelled', retryable: false });
  });

  it('makes everything else a fatal internal error', () => {
    expect(classifyThrown(new TypeError('x is not a function'))).toMatchObject({
      code: 'internal',
      retryable: false,
      message: 'x is not a function',
    });
    expect(classifyThrown(systemError('EACCES'))).toMatchObject({ code: 'internal', retryable: false });
    expect(classifyThrown('boom')).toMatchObject({ code: 'internal', message: 'boom' });
    expect(classifyThrown(undefined)).toMatchObject({ code: 'internal', message: 'Unknown error' });
  });

  it('survives a cause cycle', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(classifyThrown(a).code).toBe('internal');
  });
});

describe('toSerializableError', () => {
  it('stores code, message, retryability, details and Retry-After', () => {
    const error = classifyHttpStatus(429, { 'retry-after': '2' }, NOW);
    const stored = toSerializableError(error);
    expect(stored).toEqual({
      code: 'http_429',
      message: 'HTTP 429 Too Many Requests (server asked to retry after 2s)',
      retryable: true,
      details: { status: 429 },
      retryAfterMs: 2000,
    });
    expect(serializedErrorSchema.parse(JSON.parse(JSON.stringify(stored)))).toEqual(stored);
  });

  it('classifies raw throwables first', () => {
    expect(toSerializableError(systemError('ECONNRESET', 'socket hang up'))).toEqual({
      code: 'network',
      message: 'Network error (ECONNRESET): socket hang up',
      retryable: true,
      details: { systemCode: 'ECONNRESET' },
    });
    expect(toSerializableError(new Error('bug'))).toEqual({
      code: 'internal',
      message: 'bug',
      retryable: false,
    });
  });

  it('makes details JSON-safe', () => {
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    const error = new WeftError('internal', 'x', {
      details: {
        big: 10n,
        fn: () => 1,
        when: new Date(NOW),
        nested: circular,
        inf: Number.POSITIVE_INFINITY,
      },
    });
    const stored = toSerializableError(error);
    expect(stored.details).toEqual({
      big: '10',
      when: '2025-01-01T00:00:00.000Z',
      nested: { name: 'loop', self: '[Circular]' },
      inf: 'Infinity',
    });
    expect(() => JSON.stringify(stored)).not.toThrow();
  });

  it('truncates huge strings', () => {
    const safe = toJsonSafe({ body: 'x'.repeat(5000) }) as { body: string };
    expect(safe.body.length).toBeLessThan(2100);
  });

  it('rejects unknown codes in the schema', () => {
    expect(serializedErrorSchema.safeParse({ code: 'weird', message: 'x', retryable: false }).success).toBe(
      false,
    );
  });
});

describe('weftErrorFromSerialized', () => {
  it('round-trips a stored error', () => {
    const restored = weftErrorFromSerialized({
      code: 'http_5xx',
      message: 'HTTP 502',
      retryable: true,
      retryAfterMs: 5,
    });
    expect(restored).toBeInstanceOf(WeftError);
    expect(restored).toMatchObject({ code: 'http_5xx', retryable: true, retryAfterMs: 5 });
  });

  it('keeps an unknown code as internal with the original in details', () => {
    expect(weftErrorFromSerialized({ code: 'custom_thing', message: 'x' })).toMatchObject({
      code: 'internal',
      retryable: false,
      details: { originalCode: 'custom_thing' },
    });
  });
});
