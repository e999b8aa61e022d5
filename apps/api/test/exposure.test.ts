import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import { isLoopbackAddress } from '../src/metrics-access.js';
import { CONTENT_SECURITY_POLICY } from '../src/security-headers.js';
import { MAX_BATCH_SIZE } from '../src/trpc.js';
import { useApi } from './harness.js';

const h = useApi();

const whoamiUrl = (query = '') => `${h.baseUrl}/trpc/auth.whoami${query}`;

describe('what the api exposes', () => {
  it('every answer carries the security headers: JSON routes, tRPC and errors alike', async () => {
    for (const [method, path] of [
      ['GET', '/health'],
      ['GET', '/trpc/system.info'],
      ['GET', '/no/such/route'],
      ['POST', '/webhook/no-such-app'],
    ] as const) {
      const answer = await fetch(`${h.baseUrl}${path}`, { method });
      expect(answer.headers.get('content-security-policy'), path).toBe(CONTENT_SECURITY_POLICY);
      expect(answer.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(answer.headers.get('x-frame-options'), path).toBe('DENY');
      expect(answer.headers.get('referrer-policy'), path).toBe('no-referrer');
    }
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
  });

  it(`a batch of more than ${MAX_BATCH_SIZE} calls is refused as a whole`, async () => {
    const calls = (n: number) => Array.from({ length: n }, () => 'system.info').join(',');
    const input = (n: number) =>
      encodeURIComponent(JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [i, {}]))));
    const allowed = await fetch(
      `${h.baseUrl}/trpc/${calls(MAX_BATCH_SIZE)}?batch=1&input=${input(MAX_BATCH_SIZE)}`,
    );
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toHaveLength(MAX_BATCH_SIZE);
    const refused = await fetch(
      `${h.baseUrl}/trpc/${calls(MAX_BATCH_SIZE + 1)}?batch=1&input=${input(MAX_BATCH_SIZE + 1)}`,
    );
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await refused.json())).toContain('Batch call exceeds maximum size');
  });

  it('a token in connectionParams authorises a subscription only, not a query', async () => {
    const params = `?connectionParams=${encodeURIComponent(JSON.stringify({ token: h.token }))}`;
    const viaQuery = await fetch(whoamiUrl(params));
    expect(viaQuery.status).toBe(401);
    const withHeader = await fetch(whoamiUrl(), { headers: { authorization: `Bearer ${h.token}` } });
    expect(withHeader.status).toBe(200);
  });

  it('a body over 64 KiB needs a valid token before it is read; small calls go on to the procedure', async () => {
    const big = JSON.stringify(
      superjson.serialize({ key: 'big-one', name: 'x'.repeat(70 * 1024), signature: { scheme: 'github' } }),
    );
    const anonymous = await fetch(`${h.baseUrl}/trpc/apps.create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: big,
    });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({
      error: 'unauthorized',
      message: expect.stringContaining('over 64 KiB'),
    });
    const wrongToken = await fetch(`${h.baseUrl}/trpc/apps.create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer weft_not-a-token-at-all-000000' },
      body: big,
    });
    expect(wrongToken.status).toBe(401);
    // With the token the procedure reads it and judges the input itself (the name is too long).
    const withToken = await fetch(`${h.baseUrl}/trpc/apps.create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}` },
      body: big,
    });
    expect(withToken.status).toBe(400);
    // A small call without a token reaches the procedure, which answers tRPC's UNAUTHORIZED.
    const small = await fetch(`${h.baseUrl}/trpc/apps.create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(superjson.serialize({ key: 'small', name: 'x', signature: { scheme: 'github' } })),
    });
    expect(small.status).toBe(401);
    expect(JSON.stringify(await small.json())).toContain('UNAUTHORIZED');
  });
});

describe('GET /metrics', () => {
  const guarded = useApi({ deps: { metricsToken: 'metrics-token-0123456789' } });

  it('with WEFT_METRICS_TOKEN set, only that bearer token scrapes (not a workspace token)', async () => {
    expect((await fetch(`${guarded.baseUrl}/metrics`)).status).toBe(401);
    const workspaceToken = await fetch(`${guarded.baseUrl}/metrics`, {
      headers: { authorization: `Bearer ${guarded.token}` },
    });
    expect(workspaceToken.status).toBe(401);
    expect(await workspaceToken.json()).toMatchObject({
      error: 'unauthorized',
      message: expect.stringContaining('WEFT_METRICS_TOKEN'),
    });
    const scraped = await fetch(`${guarded.baseUrl}/metrics`, {
      headers: { authorization: 'Bearer metrics-token-0123456789' },
    });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('# HELP');
  });

  it('without a token, this machine scrapes and no other does', async () => {
    expect((await fetch(`${h.baseUrl}/metrics`)).status).toBe(200);
    expect(isLoopbackAddress('127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('::1')).toBe(true);
    expect(isLoopbackAddress('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopbackAddress('10.0.0.7')).toBe(false);
    expect(isLoopbackAddress('::ffff:192.168.1.2')).toBe(false);
    expect(isLoopbackAddress('fe80::1')).toBe(false);
    expect(isLoopbackAddress(undefined)).toBe(false);
  });
});
