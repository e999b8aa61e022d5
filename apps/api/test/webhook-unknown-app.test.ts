import { describe, expect, it } from 'vitest';
import { createSignedApp, type HttpAnswer, request, uniqueKey, useApi } from './harness.js';

const BODY_LIMIT = 1024;
const h = useApi({ limits: { webhookBodyLimitBytes: BODY_LIMIT } });

/**
 * A stranger probing `/webhook/:appKey` must not learn which keys are in use: a key that names no
 * app answers an unsigned or badly signed request exactly as an app of the generic scheme does.
 */
function send(key: string, init: RequestInit = {}): Promise<HttpAnswer> {
  return request(`${h.baseUrl}/webhook/${key}`, init);
}

/** What a stranger sees, with the key (which the requester chose) taken out. */
function seen(answer: HttpAnswer, key: string) {
  return {
    status: answer.status,
    allow: answer.headers.get('allow'),
    contentType: answer.headers.get('content-type'),
    body: answer.text.replaceAll(key, '<key>'),
  };
}

const probes: { name: string; init: RequestInit }[] = [
  { name: 'no signature', init: { method: 'POST', body: '{"hello":"world"}' } },
  {
    name: 'a wrong signature',
    init: {
      method: 'POST',
      body: '{"hello":"world"}',
      headers: { 'x-signature': `sha256=${'ab'.repeat(32)}` },
    },
  },
  {
    name: 'a malformed signature',
    init: { method: 'POST', body: '{}', headers: { 'x-signature': 'sha256=xyz' } },
  },
  { name: 'a short digest', init: { method: 'POST', body: '{}', headers: { 'x-signature': 'sha256=abcd' } } },
  { name: 'a body over the limit', init: { method: 'POST', body: 'x'.repeat(BODY_LIMIT + 1) } },
  { name: 'HEAD', init: { method: 'HEAD' } },
  { name: 'OPTIONS', init: { method: 'OPTIONS' } },
  { name: 'GET', init: { method: 'GET' } },
];

describe('unknown app keys', () => {
  it('answer every unsigned or badly signed request as a known app does: same status, headers, body', async () => {
    const app = await createSignedApp(h, { scheme: 'generic' });
    for (const { name, init } of probes) {
      const unknownKey = uniqueKey('nobody');
      const known = await send(app.key, init);
      const unknown = await send(unknownKey, init);
      expect(seen(unknown, unknownKey), name).toEqual(seen(known, app.key));
      expect(unknown.status, name).not.toBe(404);
    }
  });

  it('an unsigned request gets the same answer from an app of every scheme, one whose connection is disabled and one without a secret', async () => {
    const unsigned: RequestInit = { method: 'POST', body: '{"hello":"world"}' };
    const strangerKey = uniqueKey('nobody');
    const expected = seen(await send(strangerKey, unsigned), strangerKey);
    const schemes = ['generic', 'github', 'shopify', 'slack', 'standard-webhooks', 'stripe'] as const;
    for (const scheme of schemes) {
      const app = await createSignedApp(h, { scheme });
      expect(seen(await send(app.key, unsigned), app.key), scheme).toEqual(expected);
    }
    const disabled = await createSignedApp(h, { scheme: 'github' });
    const connectionId = (await h.caller.apps.get({ id: disabled.id })).defaultConnectionId!;
    await h.caller.connections.disable({ id: connectionId });
    expect(seen(await send(disabled.key, unsigned), disabled.key), 'disabled connection').toEqual(expected);
    const noSecret = await h.caller.apps.create({
      key: uniqueKey('nosecret'),
      name: 'No secret',
      signature: { scheme: 'stripe' },
    });
    expect(seen(await send(noSecret.key, unsigned), noSecret.key), 'no secret').toEqual(expected);
  });

  it('a POST to an unknown key is 401 with the verifier reason, its body read (413 past the limit), nothing stored', async () => {
    const key = uniqueKey('nobody');
    const unsigned = await send(key, { method: 'POST', body: '{}' });
    expect(unsigned.status).toBe(401);
    expect(Object.keys(unsigned.json).sort()).toEqual(['error', 'message']);
    expect(unsigned.json.error).toBe('missing_signature');
    expect((await send(key, { method: 'POST', body: 'x'.repeat(BODY_LIMIT + 1) })).status).toBe(413);
    // A key no app could have (not a valid key) is answered the same way.
    expect((await send('NOT_A_KEY', { method: 'POST', body: '{}' })).status).toBe(401);
    expect(await h.db.models.WebhookDelivery.countDocuments({}).exec()).toBe(0);
  });
});
