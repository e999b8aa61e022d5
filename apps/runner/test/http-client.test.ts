import type dns from 'node:dns';
import { classifyThrown, type HttpRequest, WeftError } from '@weft/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../src/execution/http-client.js';
import { parseAllowList } from '@weft/core/net';
import { type Sink, startSink } from './fixtures/sink.js';

let sink: Sink;
let other: Sink;
beforeAll(async () => {
  sink = await startSink();
  other = await startSink();
});
afterAll(async () => {
  await sink.close();
  await other.close();
});

const allowLocal = parseAllowList('127.0.0.1');
const get = (url: string, extra: Partial<HttpRequest> = {}): HttpRequest => ({
  method: 'GET',
  url,
  headers: {},
  timeoutMs: 5_000,
  ...extra,
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

/** A resolver that answers every name with `address`, as a hostile or misconfigured DNS would. */
function resolvingTo(address: string, family = 4): typeof dns.lookup {
  return ((_host: string, _options: unknown, callback: (e: null, a: dns.LookupAddress[]) => void) =>
    callback(null, [{ address, family }])) as unknown as typeof dns.lookup;
}

describe('http client: exchanges with a real local server (allow-listed)', () => {
  it('sends method, headers and body; returns status, flattened headers and the body text', async () => {
    const http = createHttpClient({ allowList: allowLocal });
    sink.on('/echo', () => ({
      status: 201,
      headers: { 'x-multi': 'a', 'set-cookie': 'k=v' },
      body: { made: 1 },
    }));
    const response = await http({
      method: 'POST',
      url: `${sink.url}/echo?q=1`,
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'run:node' },
      body: '{"héllo":"wörld"}',
      timeoutMs: 5_000,
    });
    expect(response.status).toBe(201);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers['set-cookie']).toBe('k=v');
    expect(JSON.parse(response.body)).toEqual({ made: 1 });
    const seen = sink.requests.at(-1)!;
    expect(seen).toMatchObject({ method: 'POST', path: '/echo', body: '{"héllo":"wörld"}' });
    expect(seen.headers['idempotency-key']).toBe('run:node');
    expect(seen.headers['content-length']).toBe(String(Buffer.byteLength('{"héllo":"wörld"}')));
    expect(seen.headers['user-agent']).toBe('Weft');
  });

  it('gives up after the timeout with a retryable timeout error', async () => {
    const http = createHttpClient({ allowList: allowLocal });
    // The sink never answers: only the client's own timeout can end the request.
    sink.on('/slow', () => ({ after: new Promise(() => {}) }));
    const error = await rejection(http(get(`${sink.url}/slow`, { timeoutMs: 200 })));
    expect(error).toBeInstanceOf(WeftError);
    expect(error).toMatchObject({ code: 'timeout', retryable: true });
  });

  it('caps every request at maxTimeoutMs whatever the node asks for', async () => {
    const http = createHttpClient({ allowList: allowLocal, maxTimeoutMs: 150 });
    sink.on('/slow2', () => ({ after: new Promise(() => {}) }));
    const error = await rejection(http(get(`${sink.url}/slow2`, { timeoutMs: 60_000 })));
    expect(error).toMatchObject({ code: 'timeout' });
  });

  it('stops at once when the run is aborted', async () => {
    const http = createHttpClient({ allowList: allowLocal });
    sink.on('/hang', () => ({ after: new Promise(() => {}) }));
    const controller = new AbortController();
    const pending = rejection(http(get(`${sink.url}/hang`, { timeoutMs: 60_000 }), controller.signal));
    await sink.waitFor('/hang');
    controller.abort(new Error('shutting down'));
    // The sink never answers and the timeout is a minute away: only the abort ends the request.
    expect(((await pending) as Error).message).toBe('shutting down');
  });

  it('refuses a response body beyond the cap (fatal)', async () => {
    const http = createHttpClient({ allowList: allowLocal, maxResponseBytes: 1_024 });
    sink.on('/big', () => ({ body: 'x'.repeat(64 * 1024) }));
    const error = await rejection(http(get(`${sink.url}/big`)));
    expect(error).toMatchObject({ code: 'internal', retryable: false });
    expect((error as Error).message).toContain('exceeds 1024 bytes');
  });

  it('lets a connection failure through for classifyThrown (retryable network error)', async () => {
    const http = createHttpClient({ allowList: allowLocal });
    const closed = await startSink();
    const url = `${closed.url}/gone`;
    await closed.close();
    const error = await rejection(http(get(url)));
    expect(classifyThrown(error)).toMatchObject({ code: 'network', retryable: true });
  });
});

describe('http client: redirects', () => {
  it('follows up to 3 redirects on the same origin, a POST becoming a GET after 302', async () => {
    const http = createHttpClient({ allowList: allowLocal });
    sink.on('/r1', () => ({ status: 302, headers: { location: '/r2' }, body: '' }));
    sink.on('/r2', () => ({ status: 301, headers: { location: `${sink.url}/r3` }, body: '' }));
    sink.on('/r3', () => ({ status: 200, body: { landed: true } }));
    const response = await http({
      method: 'POST',
      url: `${sink.url}/r1`,
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer same-origin' },
      body: '{}',
      timeoutMs: 5_000,
    });
    expect(response.status).toBe(200);
    const landed = sink.requests.filter((r) => r.path === '/r3').at(-1)!;
    expect(landed.method).toBe('GET');
    expect(landed.body).toBe('');
    expect(landed.headers.authorization).toBe('Bearer same-origin');
  });

  it('keeps method and body on 307; returns the 3xx itself after the 3rd redirect', async () => {
    const http = createHttpClient({ allowList: allowLocal });
    sink.on('/t1', () => ({ status: 307, headers: { location: '/t2' }, body: '' }));
    sink.on('/t2', () => ({ status: 200, body: { ok: 't2' } }));
    await http({ method: 'PUT', url: `${sink.url}/t1`, headers: {}, body: 'payload', timeoutMs: 5_000 });
    expect(sink.requests.filter((r) => r.path === '/t2').at(-1)).toMatchObject({
      method: 'PUT',
      body: 'payload',
    });

    sink.on('/loop', () => ({ status: 302, headers: { location: '/loop' }, body: '' }));
    const before = sink.count('/loop');
    const response = await http(get(`${sink.url}/loop`));
    expect(response.status).toBe(302);
    expect(sink.count('/loop') - before).toBe(4);
  });

  it('to another origin, forwards no credentials (only non-secret headers travel)', async () => {
    const http = createHttpClient({ allowList: allowLocal });
    sink.on('/away', () => ({ status: 302, headers: { location: `${other.url}/landing` }, body: '' }));
    await http(
      get(`${sink.url}/away`, {
        headers: {
          Authorization: 'Bearer secret',
          'X-Api-Key': 'k',
          'Idempotency-Key': 'r:n',
          Accept: 'text/plain',
        },
      }),
    );
    const landed = other.requests.at(-1)!;
    expect(landed.path).toBe('/landing');
    expect(landed.headers.authorization).toBeUndefined();
    expect(landed.headers['x-api-key']).toBeUndefined();
    expect(landed.headers['idempotency-key']).toBe('r:n');
    expect(landed.headers.accept).toBe('text/plain');
  });

  it('applies the guard again on every hop', async () => {
    const http = createHttpClient({ allowList: allowLocal });
    sink.on('/to-metadata', () => ({
      status: 302,
      headers: { location: 'http://169.254.169.254/latest/meta-data/' },
      body: '',
    }));
    const error = await rejection(http(get(`${sink.url}/to-metadata`)));
    expect(error).toMatchObject({ code: 'ssrf_blocked', retryable: false });
  });
});

describe('http client: SSRF guard', () => {
  it('refuses the local server when it is not allow-listed, before any byte is sent', async () => {
    const http = createHttpClient();
    const before = sink.requests.length;
    const error = await rejection(http(get(`${sink.url}/secret`)));
    expect(error).toBeInstanceOf(WeftError);
    expect(error).toMatchObject({ code: 'ssrf_blocked', retryable: false, details: { range: 'loopback' } });
    expect((error as Error).message).toContain('WEFT_HTTP_ALLOW_PRIVATE');
    expect(sink.requests.length).toBe(before);
  });

  it('checks the resolved address: a public-looking name that resolves to loopback is refused', async () => {
    const before = sink.requests.length;
    const guarded = createHttpClient({ lookup: resolvingTo('127.0.0.1') });
    const error = await rejection(guarded(get(`http://api.example.com:${sink.port}/x`)));
    expect(error).toMatchObject({
      code: 'ssrf_blocked',
      details: { host: 'api.example.com', address: '127.0.0.1' },
    });
    expect(sink.requests.length).toBe(before);

    // The same name is let through once its resolved address is allow-listed.
    const allowed = createHttpClient({ allowList: allowLocal, lookup: resolvingTo('127.0.0.1') });
    const response = await allowed(get(`http://api.example.com:${sink.port}/x`));
    expect(response.status).toBe(200);
    expect(sink.requests.at(-1)?.headers.host).toBe(`api.example.com:${sink.port}`);
  });

  it('refuses names resolving to private, link-local, CGNAT and IPv4-mapped loopback addresses', async () => {
    for (const [address, family] of [
      ['10.1.2.3', 4],
      ['169.254.169.254', 4],
      ['100.64.1.1', 4],
      ['::ffff:127.0.0.1', 6],
      ['fd00::5', 6],
    ] as const) {
      const http = createHttpClient({ lookup: resolvingTo(address, family) });
      const error = await rejection(http(get('http://internal.example.com/')));
      expect(error, address).toMatchObject({ code: 'ssrf_blocked', details: { address } });
    }
  });

  it('refuses IP literals (which skip DNS): loopback, IPv4-mapped loopback, metadata', async () => {
    const http = createHttpClient();
    for (const url of [
      `http://127.0.0.1:${sink.port}/`,
      `http://[::ffff:127.0.0.1]:${sink.port}/`,
      `http://[::1]:${sink.port}/`,
      'http://169.254.169.254/',
      'http://0.0.0.0/',
    ]) {
      expect(await rejection(http(get(url))), url).toMatchObject({ code: 'ssrf_blocked' });
    }
  });

  it('an allow-listed host name skips the guard for that host only', async () => {
    const http = createHttpClient({ allowList: parseAllowList('localhost') });
    const response = await http(get(`http://localhost:${sink.port}/named`));
    expect(response.status).toBe(200);
    expect(await rejection(http(get(`http://127.0.0.1:${sink.port}/named`)))).toMatchObject({
      code: 'ssrf_blocked',
    });
  });
});
