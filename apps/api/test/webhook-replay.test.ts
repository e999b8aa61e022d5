import type { SignatureConfigInput } from '@weft/core';
import { signWebhook } from '@weft/core/hmac';
import { toObjectId } from '@weft/db';
import { describe, expect, it } from 'vitest';
import {
  createSignedApp,
  type HttpAnswer,
  postSigned,
  request,
  type TestApp,
  useApi,
  webhookScenario,
} from './harness.js';

const h = useApi();

function deliveriesOf(appId: string) {
  return h.db.models.WebhookDelivery.find({ appId: toObjectId(appId) })
    .sort({ receivedAt: 1, _id: 1 })
    .lean()
    .exec();
}

/** Sends exactly these headers and bytes, as someone who captured a signed request would. */
function send(app: TestApp, headers: Record<string, string>, body: Buffer): Promise<HttpAnswer> {
  return request(`${h.baseUrl}/webhook/${app.key}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

function signed(app: TestApp, body: Buffer, id?: string): Record<string, string> {
  return signWebhook({ config: app.signature, secret: app.secret, rawBody: body, ...(id ? { id } : {}) });
}

/** The captured request's headers with its unsigned id replaced. */
function withId(headers: Record<string, string>, idHeader: string, id: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() !== idHeader.toLowerCase()) out[name] = value;
  }
  return { ...out, [idHeader]: id };
}

async function listed(appId: string) {
  const page = await h.caller.deliveries.list({ appId, limit: 50 });
  return page.items;
}

// Schemes whose delivery id travels in a header the signature does not cover.
const unsignedIds: { name: string; signature: SignatureConfigInput; idHeader: string }[] = [
  { name: 'github (X-GitHub-Delivery)', signature: { scheme: 'github' }, idHeader: 'X-GitHub-Delivery' },
  {
    name: 'shopify (X-Shopify-Webhook-Id)',
    signature: { scheme: 'shopify' },
    idHeader: 'X-Shopify-Webhook-Id',
  },
  { name: 'generic (Idempotency-Key)', signature: { scheme: 'generic' }, idHeader: 'Idempotency-Key' },
  {
    name: 'generic (idHeader)',
    signature: { scheme: 'generic', idHeader: 'X-Acme-Delivery' },
    idHeader: 'X-Acme-Delivery',
  },
  { name: 'slack (Idempotency-Key)', signature: { scheme: 'slack' }, idHeader: 'Idempotency-Key' },
];

describe('an unsigned delivery id identifies a delivery only with its body', () => {
  it.each(unsignedIds)(
    '$name: a captured body replayed with an upcoming id does not suppress that delivery',
    async ({ signature, idHeader }) => {
      const app = await createSignedApp(h, signature);
      const scenarioId = await webhookScenario(h, app.id);
      const capturedBody = Buffer.from('{"event":"captured"}');
      const captured = { ...signed(app, capturedBody), [idHeader]: 'd-1' };
      expect((await send(app, withId(captured, idHeader, 'd-1'), capturedBody)).status).toBe(202);

      // The attacker sends the captured body again under the id the next genuine delivery will have.
      const replay = await send(app, withId(captured, idHeader, 'd-2'), capturedBody);
      expect(replay.status).toBe(202);

      const genuineBody = Buffer.from('{"event":"genuine"}');
      const genuine = await send(app, withId(signed(app, genuineBody), idHeader, 'd-2'), genuineBody);
      expect(genuine.status).toBe(202);
      expect(genuine.json).toMatchObject({ deliveryId: 'd-2', runIds: [expect.any(String)] });
      expect(genuine.json.idempotent).toBeUndefined();

      const stored = await deliveriesOf(app.id);
      expect(stored.map((d) => [d.deliveryId, d.body])).toEqual([
        ['d-1', '{"event":"captured"}'],
        ['d-2', '{"event":"captured"}'],
        ['d-2', '{"event":"genuine"}'],
      ]);
      const runs = await h.db.models.Run.find({ scenarioId: toObjectId(scenarioId) })
        .lean()
        .exec();
      expect(runs.map((r) => (r.input as { body: { event: string } }).body.event).sort()).toEqual([
        'captured',
        'captured',
        'genuine',
      ]);
      // Both deliveries carrying d-2 are flagged in the delivery list; d-1 is not.
      const flags = (await listed(app.id)).map((d) => [d.deliveryId, d.idConflict]).sort();
      expect(flags).toEqual([
        ['d-1', false],
        ['d-2', true],
        ['d-2', true],
      ]);
    },
  );

  it.each(unsignedIds)('$name: an identical replay stays a duplicate', async ({ signature, idHeader }) => {
    const app = await createSignedApp(h, signature);
    await webhookScenario(h, app.id);
    const body = Buffer.from('{"event":"once"}');
    const headers = withId(signed(app, body), idHeader, 'd-once');
    const first = await send(app, headers, body);
    expect(first.status).toBe(202);
    const again = await send(app, headers, body);
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ idempotent: true, deliveryId: 'd-once', runIds: first.json.runIds });
    expect(await deliveriesOf(app.id)).toHaveLength(1);
    expect((await listed(app.id)).map((d) => d.idConflict)).toEqual([false]);
  });
});

describe('a signed delivery id is the whole key', () => {
  it('standard-webhooks: a replay under another webhook-id fails its signature; idHeader cannot override the signed id', async () => {
    const app = await createSignedApp(h, { scheme: 'standard-webhooks', idHeader: 'X-Acme-Delivery' });
    await webhookScenario(h, app.id);
    const body = Buffer.from('{"event":"sw"}');
    const headers = signed(app, body, 'msg_1');
    const first = await send(app, headers, body);
    expect(first.status).toBe(202);
    expect(first.json.deliveryId).toBe('msg_1');

    const forgedId = await send(app, withId(headers, 'webhook-id', 'msg_2'), body);
    expect(forgedId.status).toBe(401);
    expect(forgedId.json.error).toBe('signature_mismatch');

    // An unsigned id header next to the signed one changes nothing: still msg_1, a duplicate.
    const withOverride = await send(app, withId(headers, 'X-Acme-Delivery', 'msg_2'), body);
    expect(withOverride.status).toBe(200);
    expect(withOverride.json).toEqual({ idempotent: true, deliveryId: 'msg_1', runIds: first.json.runIds });
    expect((await deliveriesOf(app.id)).map((d) => d.deliveryId)).toEqual(['msg_1']);
  });

  it('stripe: the event id in the signed body wins over idHeader and Idempotency-Key', async () => {
    const app = await createSignedApp(h, { scheme: 'stripe', idHeader: 'X-Acme-Delivery' });
    await webhookScenario(h, app.id);
    const body = Buffer.from('{"id":"evt_signed","type":"charge.succeeded"}');
    const headers = signed(app, body);
    const first = await send(app, { ...headers, 'X-Acme-Delivery': 'chosen-1' }, body);
    expect(first.status).toBe(202);
    expect(first.json.deliveryId).toBe('evt_signed');
    const replay = await send(
      app,
      { ...headers, 'X-Acme-Delivery': 'chosen-2', 'Idempotency-Key': 'k' },
      body,
    );
    expect(replay.status).toBe(200);
    expect(replay.json).toEqual({ idempotent: true, deliveryId: 'evt_signed', runIds: first.json.runIds });
    const stored = await deliveriesOf(app.id);
    expect(stored.map((d) => [d.deliveryId, d.dedupeKey])).toEqual([['evt_signed', 'evt_signed']]);
  });

  it('slack without any id: the body hash is the key, so an identical replay is a duplicate', async () => {
    const app = await createSignedApp(h, { scheme: 'slack' });
    await webhookScenario(h, app.id);
    const first = await postSigned(h, app, '{"event":"slack"}');
    const again = await postSigned(h, app, '{"event":"slack"}');
    expect(first.status).toBe(202);
    expect(again.status).toBe(200);
    expect(again.json.deliveryId).toBe(first.json.deliveryId);
    expect(await deliveriesOf(app.id)).toHaveLength(1);
  });
});

describe('the app form', () => {
  it('says for each scheme without a signed timestamp that replays are only caught by body hash', async () => {
    const { schemes } = await h.caller.registry.signatureSchemes();
    const notes = Object.fromEntries(schemes.map((s) => [s.scheme, s.replayProtection]));
    for (const scheme of ['generic', 'github', 'shopify'] as const) {
      expect(notes[scheme]).toMatch(/^No signed timestamp: replays are only caught by body hash\./);
    }
    for (const scheme of ['stripe', 'standard-webhooks', 'slack'] as const) {
      expect(notes[scheme]).toMatch(/^Signed timestamp/);
    }
  });
});
