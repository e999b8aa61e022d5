import { describe, expect, it } from 'vitest';
import { TokenBuckets } from '../src/webhook/rate-limit.js';
import { createSignedApp, postSigned, useApi } from './harness.js';

let nowMs = Date.parse('2026-03-01T12:00:00.000Z');
const h = useApi({ limits: { webhookRatePerSec: 2, webhookBurst: 3 }, clock: () => new Date(nowMs) });

describe('per-app rate limit (token bucket)', () => {
  it('beyond the burst answers 429 with Retry-After; tokens come back with time; apps are limited apart', async () => {
    const app = await createSignedApp(h, { scheme: 'github' });
    const other = await createSignedApp(h, { scheme: 'github' });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await postSigned(h, app, `{"n":${i}}`)).status);
    expect(statuses).toEqual([202, 202, 202]);

    const limited = await postSigned(h, app, '{"n":3}');
    expect(limited.status).toBe(429);
    expect(limited.json.error).toBe('rate_limited');
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(
      await h.db.models.WebhookDelivery.countDocuments({ 'headers.x-github-delivery': { $exists: true } }),
    ).toBe(3);

    expect((await postSigned(h, other, '{"n":0}')).status).toBe(202);

    nowMs += 500; // 2 per second: one token back
    expect((await postSigned(h, app, '{"n":4}')).status).toBe(202);
    expect((await postSigned(h, app, '{"n":5}')).status).toBe(429);
  });
});

describe('failed signatures count apart', () => {
  it('unsigned junk spends a bucket of its own, never the genuine partner’s; both empty refuses before the body', async () => {
    const app = await createSignedApp(h, { scheme: 'github' });
    const junk = () =>
      fetch(`${h.baseUrl}/webhook/${app.key}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
        body: '{"forged":true}',
      });
    // More junk than the burst (3): every one is checked and refused 401, none 429.
    const junkStatuses: number[] = [];
    for (let i = 0; i < 6; i += 1) junkStatuses.push((await junk()).status);
    expect(junkStatuses).toEqual([401, 401, 401, 401, 401, 401]);
    // The partner's own bucket is untouched: its burst is still all there.
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await postSigned(h, app, `{"genuine":${i}}`)).status);
    expect(statuses).toEqual([202, 202, 202, 429]);
    // Both buckets empty: refused before the body is read, for junk and partner alike.
    const refused = await junk();
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: string }).error).toBe('rate_limited');
    nowMs += 500;
    expect((await postSigned(h, app, '{"genuine":4}')).status).toBe(202);
  });
});

describe('TokenBuckets', () => {
  it('refills at the rate up to the burst, and says how long to wait', () => {
    let now = 0;
    const buckets = new TokenBuckets({ ratePerSec: 0.5, burst: 2, now: () => now });
    expect(buckets.take('a')).toEqual({ ok: true });
    expect(buckets.take('a')).toEqual({ ok: true });
    expect(buckets.take('a')).toEqual({ ok: false, retryAfterSec: 2 });
    now = 1_000;
    expect(buckets.take('a')).toEqual({ ok: false, retryAfterSec: 1 });
    now = 2_000;
    expect(buckets.take('a')).toEqual({ ok: true });
    now = 60_000;
    expect(buckets.take('a')).toEqual({ ok: true });
    expect(buckets.take('a')).toEqual({ ok: true });
    expect(buckets.take('a').ok).toBe(false);
  });

  it('a rate of 0 turns the limit off', () => {
    const buckets = new TokenBuckets({ ratePerSec: 0, burst: 1, now: () => 0 });
    for (let i = 0; i < 100; i += 1) expect(buckets.take('a').ok).toBe(true);
  });
});
