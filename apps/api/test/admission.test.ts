import http from 'node:http';
import { once } from 'node:events';
import { signWebhook } from '@weft/core/hmac';
import { describe, expect, it } from 'vitest';
import { WebhookAdmission } from '../src/webhook/admission.js';
import { createSignedApp, postSigned, useApi } from './harness.js';

const h = useApi({ limits: { webhookMaxInFlight: 1 } });

/** Starts a signed webhook and sends all but its last byte: it stays admitted until `finish`. */
async function halfSent(key: string, secret: string, body: string) {
  const rawBody = Buffer.from(body);
  const headers = signWebhook({ config: { scheme: 'generic' }, secret, rawBody });
  const url = new URL(`${h.baseUrl}/webhook/${key}`);
  const req = http.request({
    host: url.hostname,
    port: url.port,
    path: url.pathname,
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json', 'content-length': String(rawBody.length) },
  });
  const answer = once(req, 'response').then(async (args) => {
    const res = args[0] as http.IncomingMessage;
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    return { status: res.statusCode, json: JSON.parse(Buffer.concat(chunks).toString()) };
  });
  req.write(rawBody.subarray(0, -1));
  await once(req, 'socket');
  return { answer, finish: () => req.end(rawBody.subarray(-1)) };
}

describe('webhook load shedding', () => {
  it('beyond the in-flight limit a webhook gets 503 overloaded with Retry-After and is not stored', async () => {
    const app = await createSignedApp(h, { scheme: 'generic' });
    const first = await halfSent(app.key, app.secret, '{"n":1}');
    // The first is admitted once the api has its headers: an unsigned probe is refused from then
    // on (before that it is admitted, and stores nothing: 401).
    await expect
      .poll(
        async () => (await fetch(`${h.baseUrl}/webhook/${app.key}`, { method: 'POST', body: '{}' })).status,
      )
      .toBe(503);
    const refused = await postSigned(h, app, '{"n":2}');
    expect(refused.status).toBe(503);
    expect(refused.json.error).toBe('overloaded');
    expect(refused.json.message).toContain('1 webhooks are being stored (the limit is 1)');
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await h.db.models.WebhookDelivery.countDocuments({})).toBe(0);

    first.finish();
    expect((await first.answer).status).toBe(202);
    const later = await postSigned(h, app, '{"n":3}');
    expect(later.status).toBe(202);
    expect(await h.db.models.WebhookDelivery.countDocuments({})).toBe(2);
  });
});

describe('WebhookAdmission', () => {
  it('refuses while the oldest webhook being stored has waited past shedAfterMs, admits again once it is done', async () => {
    let now = 0;
    const admission = new WebhookAdmission({ maxInFlight: 100, shedAfterMs: 5_000, now: () => now });
    let finish!: () => void;
    const slow = admission.whileStoring(() => new Promise<void>((resolve) => (finish = resolve)));
    const quick = admission.whileStoring(async () => 'stored');
    expect(await quick).toBe('stored');

    now = 4_999;
    expect(admission.refusal()).toBeNull();
    now = 5_000;
    expect(admission.refusal()).toBe(
      'storing webhooks takes longer than 5000 ms (the oldest has waited 5000 ms)',
    );

    finish();
    await slow;
    expect(admission.refusal()).toBeNull();
  });

  it('a store that fails still leaves the count', async () => {
    let now = 0;
    const admission = new WebhookAdmission({ maxInFlight: 100, shedAfterMs: 1_000, now: () => now });
    await expect(
      admission.whileStoring(() => Promise.reject(new Error('database unavailable'))),
    ).rejects.toThrow('database unavailable');
    now = 10_000;
    expect(admission.refusal()).toBeNull();
  });
});
