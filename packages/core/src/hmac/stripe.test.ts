import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { extractDeliveryId, signWebhook, verifyWebhook } from './index.js';

const config = { scheme: 'stripe' } as const;
const stripe = new Stripe('sk_test_x'); // no request is made: only the webhook helpers are used
const secret = 'whsec_test_secret';
const payload = '{"id":"evt_1","object":"event"}';
const body = Buffer.from(payload);
const t = 1_700_000_000;
const at = (seconds: number) => new Date(seconds * 1000);

// printf '1700000000.%s' '{"id":"evt_1","object":"event"}' | openssl dgst -sha256 -hmac 'whsec_test_secret' -hex
const vectorV1 = '0c8670ed117751cc551a20e35839447075c42800ea3cf3e8a2fbda99cd1e6edd';

function verifyHeader(value: string, now = at(t), options: { secret?: string; rawBody?: Uint8Array } = {}) {
  return verifyWebhook({
    config,
    secret: options.secret ?? secret,
    headers: { 'stripe-signature': value },
    rawBody: options.rawBody ?? body,
    now,
  });
}

describe('stripe scheme', () => {
  it('verifies the openssl-computed vector and returns the event id as delivery id', () => {
    expect(verifyHeader(`t=${t},v1=${vectorV1}`)).toEqual({
      ok: true,
      deliveryId: 'evt_1',
      timestamp: at(t),
    });
  });

  it('signs to the same vector', () => {
    expect(signWebhook({ config, secret, rawBody: body, now: at(t) })).toEqual({
      'Stripe-Signature': `t=${t},v1=${vectorV1}`,
    });
  });

  it('our header passes stripe.webhooks.constructEvent', () => {
    const header = signWebhook({ config, secret, rawBody: body, now: at(t) })['Stripe-Signature'] ?? '';
    const event = stripe.webhooks.constructEvent(body, header, secret, 300, undefined, t * 1000);
    expect(event.id).toBe('evt_1');
    expect(() =>
      stripe.webhooks.constructEvent(body, header, 'whsec_other', 300, undefined, t * 1000),
    ).toThrow(/No signatures found matching/);
  });

  it('stripe.webhooks.generateTestHeaderString passes our verify', () => {
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: t });
    expect(header).toBe(`t=${t},v1=${vectorV1}`);
    expect(verifyHeader(header)).toEqual({ ok: true, deliveryId: 'evt_1', timestamp: at(t) });
    expect(verifyHeader(header, at(t), { secret: 'whsec_other' })).toMatchObject({
      reason: 'signature_mismatch',
    });
  });

  it('passes when only the second of several v1 signatures is valid (secret rotation), ignoring v0', () => {
    const stale = 'ab'.repeat(32);
    expect(verifyHeader(`t=${t},v1=${stale},v1=${vectorV1},v0=${'cd'.repeat(32)}`).ok).toBe(true);
    expect(verifyHeader(`t=${t},v1=${stale},v1=${'ef'.repeat(32)}`)).toEqual({
      ok: false,
      reason: 'signature_mismatch',
      message:
        'none of the 2 signatures in Stripe-Signature v1 matches the HMAC-SHA256 of "<t>.<raw body>" computed with the configured secret (wrong secret, or the body was altered)',
    });
  });

  it('rejects a body with one byte changed', () => {
    const tampered = Buffer.from(payload.replace('evt_1', 'evt_2'));
    expect(verifyHeader(`t=${t},v1=${vectorV1}`, at(t), { rawBody: tampered })).toMatchObject({
      reason: 'signature_mismatch',
    });
  });

  it('binds the timestamp: the same v1 under another t fails', () => {
    expect(verifyHeader(`t=${t + 1},v1=${vectorV1}`, at(t))).toMatchObject({ reason: 'signature_mismatch' });
  });

  it('enforces the tolerance in both directions, inclusive at the edge', () => {
    const header = `t=${t},v1=${vectorV1}`;
    expect(verifyHeader(header, at(t + 300)).ok).toBe(true);
    expect(verifyHeader(header, at(t - 300)).ok).toBe(true);
    expect(verifyHeader(header, at(t + 301))).toEqual({
      ok: false,
      reason: 'timestamp_out_of_window',
      message: `Stripe-Signature t=${t} is 301 s from now (in the past); tolerance is 300 s`,
    });
    expect(verifyHeader(header, at(t - 412))).toEqual({
      ok: false,
      reason: 'timestamp_out_of_window',
      message: `Stripe-Signature t=${t} is 412 s from now (in the future); tolerance is 300 s`,
    });
  });

  it('uses the configured tolerance', () => {
    const result = verifyWebhook({
      config: { scheme: 'stripe', toleranceSec: 30 },
      secret,
      headers: { 'stripe-signature': `t=${t},v1=${vectorV1}` },
      rawBody: body,
      now: at(t + 31),
    });
    expect(result).toMatchObject({ reason: 'timestamp_out_of_window' });
  });

  it('reports missing and malformed headers specifically', () => {
    expect(verifyWebhook({ config, secret, headers: {}, rawBody: body })).toEqual({
      ok: false,
      reason: 'missing_signature',
      message: 'Stripe-Signature header is missing',
    });
    expect(verifyHeader(`v1=${vectorV1}`)).toEqual({
      ok: false,
      reason: 'missing_timestamp',
      message: 'Stripe-Signature has no t=<timestamp> element',
    });
    expect(verifyHeader(`t=yesterday,v1=${vectorV1}`)).toEqual({
      ok: false,
      reason: 'malformed_timestamp',
      message: 'Stripe-Signature t "yesterday" is not a Unix timestamp in whole seconds',
    });
    expect(verifyHeader(`t=${t},v0=${vectorV1}`)).toEqual({
      ok: false,
      reason: 'malformed_signature',
      message: 'Stripe-Signature has no v1= signature (found: v0)',
    });
    expect(verifyHeader(`t=${t},v1=zz`)).toMatchObject({ reason: 'malformed_signature' });
    expect(verifyHeader(`t=${t},garbage`)).toMatchObject({ reason: 'malformed_signature' });
    expect(verifyHeader(`t=${t},t=${t},v1=${vectorV1}`)).toMatchObject({ reason: 'malformed_signature' });
  });

  it('does not throw on a v1 of the wrong length', () => {
    expect(verifyHeader(`t=${t},v1=abcd`)).toEqual({
      ok: false,
      reason: 'signature_mismatch',
      message: 'Stripe-Signature v1 holds a 2-byte digest; an HMAC-SHA256 is 32 bytes',
    });
  });

  it('signs non-UTF-8 bodies as bytes', () => {
    const raw = Buffer.from([0x7b, 0xc3, 0x28, 0xff, 0x7d]);
    const headers = signWebhook({ config, secret, rawBody: raw, now: at(t) });
    expect(verifyWebhook({ config, secret, headers, rawBody: raw, now: at(t) })).toEqual({
      ok: true,
      deliveryId: null,
      timestamp: at(t),
    });
  });

  it('takes the delivery id from the JSON body only when the body is given', () => {
    expect(extractDeliveryId(config, {}, body)).toBe('evt_1');
    expect(extractDeliveryId(config, { 'idempotency-key': 'ik' })).toBe('ik');
    expect(extractDeliveryId(config, {}, Buffer.from('not json'))).toBeNull();
    expect(extractDeliveryId(config, {}, Buffer.from('{"id":42}'))).toBeNull();
  });
});
