import type dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { HttpRequest, HttpResponse } from '@weft/core';
import { WeftError } from '@weft/core';
import {
  type AllowList,
  allowListPermitsHost,
  EMPTY_ALLOW_LIST,
  guardedLookup,
  literalHostRefusal,
  type Refusal,
} from '@weft/core/net';

export interface HttpClientOptions {
  /** Exceptions to the SSRF guard (`WEFT_HTTP_ALLOW_PRIVATE`). */
  readonly allowList?: AllowList;
  /** Upper bound for any request, whatever the node asks for. */
  readonly maxTimeoutMs?: number;
  /** A response body larger than this fails the request (fatal): nodes keep outputs in memory. */
  readonly maxResponseBytes?: number;
  /** Redirects followed per request; each hop passes the guard again. */
  readonly maxRedirects?: number;
  /** Resolver, replaceable in tests; defaults to the system resolver (`dns.lookup`). */
  readonly lookup?: typeof dns.lookup;
}

export type HttpClient = (request: HttpRequest, signal?: AbortSignal) => Promise<HttpResponse>;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers carried across a redirect to another origin: nothing that could hold a credential. */
const CROSS_ORIGIN_SAFE_HEADERS = new Set([
  'accept',
  'accept-language',
  'content-type',
  'user-agent',
  'idempotency-key',
  'traceparent',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
]);

function ssrfError({ host, address, range }: Refusal): WeftError {
  return new WeftError(
    'ssrf_blocked',
    `Refused to connect to ${host}: it resolves to ${address} (${range}), a non-public address. ` +
      'Add the host or address to WEFT_HTTP_ALLOW_PRIVATE to allow it.',
    { details: { host, address, range } },
  );
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

interface Hop {
  readonly url: URL;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
}

interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * The runner's `ctx.http`: node:http/https with the SSRF guard on the resolved address, a deadline
 * covering connect, headers and body, the run's abort signal, a response size cap and up to
 * `maxRedirects` redirects (each hop guarded again; to another origin only non-credential headers
 * travel). Network failures propagate as node errors (ECONNREFUSED …) for core's `classifyThrown`.
 */
export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const allowList = options.allowList ?? EMPTY_ALLOW_LIST;
  const maxTimeoutMs = options.maxTimeoutMs ?? 120_000;
  const maxResponseBytes = options.maxResponseBytes ?? 10 * 1024 * 1024;
  const maxRedirects = options.maxRedirects ?? 3;
  // The SSRF rule on the resolved address (DNS tricks pointing a public name at 127.0.0.1 are caught).
  const lookup = guardedLookup(allowList, ssrfError, options.lookup);
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: 256 }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: 256 }),
  };

  function exchange(hop: Hop, deadline: number, signal: AbortSignal | undefined): Promise<RawResponse> {
    const { url } = hop;
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return Promise.reject(
        new WeftError('invalid_config', `Only http and https URLs can be called, not ${url.protocol}`),
      );
    }
    const guarded = !allowListPermitsHost(allowList, url.hostname);
    // Sockets skip `lookup` for an IP literal: it is judged here.
    const refusal = guarded ? literalHostRefusal(url, allowList) : null;
    if (refusal) return Promise.reject(ssrfError(refusal));
    return new Promise<RawResponse>((resolve, reject) => {
      const remaining = deadline - Date.now();
      const headers = Object.fromEntries(
        Object.entries(hop.headers).filter(([name]) => name.toLowerCase() !== 'content-length'),
      );
      if (hop.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(hop.body));
      const request = (url.protocol === 'https:' ? https : http).request({
        protocol: url.protocol,
        hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: hop.method,
        headers,
        agent: agents[url.protocol as 'http:' | 'https:'],
        ...(guarded ? { lookup } : {}),
      });
      let settled = false;
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        cleanup();
        request.destroy();
        reject(error);
      };
      const timer = setTimeout(
        () =>
          fail(
            new WeftError(
              'timeout',
              `${hop.method} ${url.origin} did not answer completely within ${Math.round(remaining)} ms`,
            ),
          ),
        Math.max(0, remaining),
      );
      const onAbort = () => {
        const reason: unknown = signal?.reason;
        fail(
          reason instanceof Error
            ? reason
            : Object.assign(new Error('The request was aborted'), { name: 'AbortError' }),
        );
      };
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });

      request.on('error', fail);
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxResponseBytes) {
            fail(
              new WeftError(
                'internal',
                `The response of ${hop.method} ${url.origin}${url.pathname} exceeds ${maxResponseBytes} bytes`,
                { retryable: false, details: { limitBytes: maxResponseBytes } },
              ),
            );
            response.destroy();
            return;
          }
          chunks.push(chunk);
        });
        response.on('error', fail);
        response.on('end', () => {
          if (settled) return;
          settled = true;
          cleanup();
          resolve({
            status: response.statusCode ?? 0,
            headers: flattenHeaders(response.headers),
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
      });
      request.end(hop.body);
    });
  }

  return async function request(req: HttpRequest, signal?: AbortSignal): Promise<HttpResponse> {
    const deadline = Date.now() + Math.min(req.timeoutMs > 0 ? req.timeoutMs : maxTimeoutMs, maxTimeoutMs);
    let hop: Hop = {
      url: new URL(req.url),
      method: req.method,
      headers: { 'User-Agent': 'Weft', ...req.headers },
      body: req.body,
    };
    for (let redirects = 0; ; redirects++) {
      const response = await exchange(hop, deadline, signal);
      const location = response.headers.location;
      if (!REDIRECTS.has(response.status) || location === undefined || redirects >= maxRedirects) {
        return response;
      }
      const next = new URL(location, hop.url);
      // 303, and 301/302 after a POST, continue as GET without a body (what browsers and curl do).
      const asGet =
        response.status === 303 ? hop.method !== 'HEAD' : response.status <= 302 && hop.method === 'POST';
      let headers = hop.headers;
      if (next.origin !== hop.url.origin) {
        headers = Object.fromEntries(
          Object.entries(headers).filter(([name]) => CROSS_ORIGIN_SAFE_HEADERS.has(name.toLowerCase())),
        );
      }
      if (asGet) {
        headers = Object.fromEntries(
          Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'content-type'),
        );
      }
      hop = {
        url: next,
        method: asGet ? 'GET' : hop.method,
        headers,
        body: asGet ? undefined : hop.body,
      };
    }
  };
}
