import type dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import {
  type AllowList,
  allowListPermitsHost,
  EMPTY_ALLOW_LIST,
  guardedLookup,
  literalHostRefusal,
  type Refusal,
} from '@weft/core/net';

export type ProbeResult =
  | { readonly ok: true; readonly status: number; readonly latencyMs: number }
  | { readonly ok: false; readonly error: string; readonly status?: number; readonly latencyMs: number };

export interface ProbeOptions {
  readonly allowList?: AllowList;
  readonly timeoutMs?: number;
  /** Resolver, replaceable in tests. */
  readonly lookup?: typeof dns.lookup;
}

export type HealthProbe = (url: string, options?: ProbeOptions) => Promise<ProbeResult>;

class RefusedTarget extends Error {}

function refused({ host, address, range }: Refusal): RefusedTarget {
  return new RefusedTarget(
    `refused to connect to ${host}: it resolves to ${address} (${range}), a non-public address; ` +
      'add the host or address to WEFT_HTTP_ALLOW_PRIVATE to allow it',
  );
}

/**
 * A connection's health check over HTTP: `GET url`, no redirects followed, no body kept, a time
 * limit, and the same SSRF rule as the runner's `http.request` (only http/https; private,
 * loopback and link-local targets refused unless allow-listed, judged on the resolved address).
 * A 2xx or 3xx answer is healthy. Never throws.
 */
export const probeHealthUrl: HealthProbe = (rawUrl, options = {}) => {
  const allowList = options.allowList ?? EMPTY_ALLOW_LIST;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return Promise.resolve({ ok: false, error: `"${rawUrl}" is not a URL`, latencyMs: 0 });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.resolve({
      ok: false,
      error: `only http and https URLs can be checked, not ${url.protocol}`,
      latencyMs: 0,
    });
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const guarded = !allowListPermitsHost(allowList, url.hostname);
  const literal = guarded ? literalHostRefusal(url, allowList) : null;
  if (literal) return Promise.resolve({ ok: false, error: refused(literal).message, latencyMs: 0 });
  return new Promise<ProbeResult>((resolve) => {
    let settled = false;
    const settle = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(result);
    };
    const request = (url.protocol === 'https:' ? https : http).request({
      protocol: url.protocol,
      hostname: host,
      port: url.port || undefined,
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      headers: { accept: '*/*', 'user-agent': 'weft-connection-check' },
      agent: false,
      ...(guarded ? { lookup: guardedLookup(allowList, refused, options.lookup) } : {}),
    });
    const timer = setTimeout(
      () =>
        settle({
          ok: false,
          error: `GET ${url.origin}${url.pathname} did not answer within ${timeoutMs} ms`,
          latencyMs: elapsed(),
        }),
      timeoutMs,
    );
    request.on('error', (error) =>
      settle({
        ok: false,
        error:
          error instanceof RefusedTarget
            ? error.message
            : `GET ${url.origin}${url.pathname} failed: ${error.message}`,
        latencyMs: elapsed(),
      }),
    );
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      response.resume();
      if (status >= 200 && status < 400) settle({ ok: true, status, latencyMs: elapsed() });
      else
        settle({
          ok: false,
          status,
          error: `GET ${url.origin}${url.pathname} answered ${status}${response.statusMessage ? ` ${response.statusMessage}` : ''}`,
          latencyMs: elapsed(),
        });
    });
    request.end();
  });
};
