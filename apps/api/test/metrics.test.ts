import { describe, expect, it } from 'vitest';
import { createSignedApp, postSigned, request, uniqueKey, useApi, webhookScenario } from './harness.js';

const h = useApi({ limits: { webhookBodyLimitBytes: 1024 } });

/** The value of one sample of the Prometheus text, 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const labelText = line.slice(name.length + 1, line.indexOf('}'));
    if (wanted.every((w) => labelText.split(',').includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

async function scrape(): Promise<string> {
  const answer = await request(`${h.baseUrl}/metrics`);
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toContain('text/plain');
  return answer.text;
}

describe('GET /metrics', () => {
  it('counts webhooks by app and outcome, dedupes, 401 reasons (unknown keys apart) and 413, and created runs', async () => {
    const app = await createSignedApp(h, { scheme: 'github' });
    await webhookScenario(h, app.id);
    const before = await scrape();

    expect((await postSigned(h, app, '{"n":1}', { id: 'm-1' })).status).toBe(202);
    expect((await postSigned(h, app, '{"n":2}', { id: 'm-2' })).status).toBe(202);
    expect((await postSigned(h, app, '{"n":1}', { id: 'm-1' })).status).toBe(200);
    expect((await postSigned(h, app, '{"n":3}', { id: 'm-3', secret: 'not-the-secret' })).status).toBe(401);
    expect((await postSigned(h, app, 'x'.repeat(2048), { id: 'm-4' })).status).toBe(413);
    const unknown = await request(`${h.baseUrl}/webhook/${uniqueKey('nobody')}`, { method: 'POST', body: '{}' });
    expect(unknown.status).toBe(401);

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) =>
      sample(after, name, labels) - sample(before, name, labels);
    expect(delta('weft_webhooks_total', { app: app.id, outcome: 'accepted', reason: '' })).toBe(2);
    expect(delta('weft_webhooks_total', { app: app.id, outcome: 'duplicate', reason: '' })).toBe(1);
    expect(delta('weft_webhooks_total', { app: app.id, outcome: 'unauthorized', reason: 'signature_mismatch' })).toBe(1);
    expect(delta('weft_webhooks_total', { app: app.id, outcome: 'too_large', reason: '' })).toBe(1);
    // A key that names no app is answered as a failed signature, but counted apart.
    expect(delta('weft_webhooks_total', { app: '(unknown)', outcome: 'unauthorized', reason: 'missing_signature' })).toBe(1);
    expect(delta('weft_webhook_dedupes_total', { app: app.id })).toBe(1);
    expect(delta('weft_runs_created_total', { trigger: 'webhook' })).toBe(2);
    expect(delta('weft_webhook_duration_seconds_count', { outcome: 'accepted' })).toBe(2);
    // Process defaults, with the event-loop lag.
    expect(after).toMatch(/^nodejs_eventloop_lag_seconds\{service="weft-api"\} /m);
    expect(after).toMatch(/^process_resident_memory_bytes\{service="weft-api"\} /m);
    // Bounded labels: no delivery or run ids.
    expect(after).not.toContain('m-1');
  });
});
