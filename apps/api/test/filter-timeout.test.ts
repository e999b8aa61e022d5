import { describe, expect, it } from 'vitest';
import { createSignedApp, postSigned, useApi, webhookScenario } from './harness.js';

// A budget no filter over a 200,000-item range can meet, on any machine.
const h = useApi({ limits: { webhookFilterTimeoutMs: 1 } });

describe('a trigger filter out of time', () => {
  it('refuses the webhook with 503 filter_timeout and Retry-After, storing nothing (its run is not lost)', async () => {
    const app = await createSignedApp(h, { scheme: 'github' });
    await webhookScenario(h, app.id, { filter: '$count([1..200000]) > 0' });
    const answer = await postSigned(h, app, '{"type":"order.created"}');
    expect(answer.status).toBe(503);
    expect(answer.json.error).toBe('filter_timeout');
    expect(answer.json.message).toContain('took longer than 1 ms; nothing was stored, retry later');
    expect(answer.headers.get('retry-after')).toBe('1');
    expect(await h.db.models.WebhookDelivery.countDocuments({})).toBe(0);
    expect(await h.db.models.Run.countDocuments({})).toBe(0);
  });
});
