import '@shopify/shopify-api/adapters/node';
import { ApiVersion, LogSeverity, shopifyApi } from '@shopify/shopify-api';
import { createSHA256HMAC } from '@shopify/shopify-api/runtime';
import { describe, expect, it } from 'vitest';
import { extractDeliveryId, signWebhook, verifyWebhook } from './index.js';

const config = { scheme: 'shopify' } as const;
const secret = 'shpss_weft_test_secret';
const payload = '{"order_id":1001,"total":"19.99"}';
const body = Buffer.from(payload);
// Shopify publishes no fixed example; this one was computed independently with
//   printf '%s' '{"order_id":1001,"total":"19.99"}' | openssl dgst -sha256 -hmac 'shpss_weft_test_secret' -binary | base64
const vector = 'eXUGrKUxcLJlcNV3W9BF5rrS6kN21tWsO30+w1lidaY=';
// printf '\xff\xfe{"a":1}\x80' | openssl dgst -sha256 -hmac 'shpss_weft_test_secret' -binary | base64
const nonUtf8Body = Buffer.from([0xff, 0xfe, ...Buffer.from('{"a":1}'), 0x80]);
const nonUtf8Vector = 'aJuB2nw17N26n8P64oG7qtU3BNzooxJsqyM/zD9YVSg=';

// Offline: validate() only reads the request object handed to it; nothing is fetched.
const shopify = shopifyApi({
  apiKey: 'weft-test',
  apiSecretKey: secret,
  scopes: [],
  hostName: 'localhost',
  apiVersion: ApiVersion.January25,
  isEmbeddedApp: false,
  logger: { level: LogSeverity.Error, log: async () => {} },
});

function shopifyRequest(headers: Record<string, string>) {
  return {
    rawRequest: {
      method: 'POST',
      url: '/webhook/shop',
      headers: {
        'x-shopify-topic': 'orders/create',
        'x-shopify-shop-domain': 'weft-test.myshopify.com',
        'x-shopify-api-version': '2025-01',
        ...headers,
      },
    },
    rawResponse: {},
  };
}

describe('shopify scheme', () => {
  it('verifies the openssl-computed vector', () => {
    const headers = {
      'x-shopify-hmac-sha256': vector,
      'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
    };
    expect(verifyWebhook({ config, secret, headers, rawBody: body })).toEqual({
      ok: true,
      deliveryId: 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
      timestamp: null,
    });
  });

  it('signs to the same vector', () => {
    expect(signWebhook({ config, secret, rawBody: body, id: 'wh-1' })).toEqual({
      'X-Shopify-Hmac-Sha256': vector,
      'X-Shopify-Webhook-Id': 'wh-1',
    });
  });

  it("our headers pass @shopify/shopify-api's webhooks.validate", async () => {
    const headers = signWebhook({ config, secret, rawBody: body, id: 'wh-2' });
    const valid = await shopify.webhooks.validate({ rawBody: payload, ...shopifyRequest(headers) });
    expect(valid).toMatchObject({ valid: true, webhookId: 'wh-2' });
    const tampered = await shopify.webhooks.validate({ rawBody: `${payload} `, ...shopifyRequest(headers) });
    expect(tampered).toMatchObject({ valid: false, reason: 'invalid_hmac' });
  });

  it("@shopify/shopify-api's HMAC passes our verify", async () => {
    const theirs = await createSHA256HMAC(secret, payload);
    expect(theirs).toBe(vector);
    const headers = { 'X-Shopify-Hmac-Sha256': theirs, 'X-Shopify-Webhook-Id': 'wh-3' };
    expect(verifyWebhook({ config, secret, headers, rawBody: body })).toMatchObject({
      ok: true,
      deliveryId: 'wh-3',
    });
  });

  it('accepts the Shopify Events header names', () => {
    const headers = { 'shopify-hmac-sha256': vector, 'shopify-webhook-id': 'ev-1' };
    expect(verifyWebhook({ config, secret, headers, rawBody: body })).toEqual({
      ok: true,
      deliveryId: 'ev-1',
      timestamp: null,
    });
  });

  it('verifies a non-UTF-8 body byte for byte', () => {
    const headers = { 'x-shopify-hmac-sha256': nonUtf8Vector };
    expect(verifyWebhook({ config, secret, headers, rawBody: nonUtf8Body }).ok).toBe(true);
    expect(signWebhook({ config, secret, rawBody: nonUtf8Body })['X-Shopify-Hmac-Sha256']).toBe(
      nonUtf8Vector,
    );
  });

  it('rejects a wrong secret, a changed byte, a missing or malformed header', () => {
    const headers = { 'x-shopify-hmac-sha256': vector };
    expect(verifyWebhook({ config, secret: 'shpss_other', headers, rawBody: body })).toMatchObject({
      reason: 'signature_mismatch',
    });
    const tampered = Buffer.from(body);
    tampered[tampered.length - 3] = 0x38; // "19.99" -> "19.98"
    expect(verifyWebhook({ config, secret, headers, rawBody: tampered })).toMatchObject({
      reason: 'signature_mismatch',
    });
    expect(verifyWebhook({ config, secret, headers: {}, rawBody: body })).toEqual({
      ok: false,
      reason: 'missing_signature',
      message: 'X-Shopify-Hmac-Sha256 header is missing',
    });
    expect(
      verifyWebhook({
        config,
        secret,
        headers: { 'x-shopify-hmac-sha256': `hex:${'ab'.repeat(32)}` },
        rawBody: body,
      }),
    ).toMatchObject({ reason: 'malformed_signature' });
  });

  it('does not throw on a digest of the wrong length (e.g. hex sent instead of base64)', () => {
    const hexLooksLikeBase64 = 'ab'.repeat(32); // valid base64 alphabet, decodes to 48 bytes
    expect(
      verifyWebhook({
        config,
        secret,
        headers: { 'x-shopify-hmac-sha256': hexLooksLikeBase64 },
        rawBody: body,
      }),
    ).toEqual({
      ok: false,
      reason: 'signature_mismatch',
      message: 'X-Shopify-Hmac-Sha256 holds a 48-byte digest; an HMAC-SHA256 is 32 bytes',
    });
  });

  it('takes the delivery id from X-Shopify-Webhook-Id', () => {
    expect(extractDeliveryId(config, { 'x-shopify-webhook-id': 'w-9', 'idempotency-key': 'k' })).toBe('w-9');
  });
});
