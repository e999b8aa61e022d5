import { sign as octokitSign, verify as octokitVerify } from '@octokit/webhooks-methods';
import { describe, expect, it } from 'vitest';
import { extractDeliveryId, signWebhook, verifyWebhook } from './index.js';

const config = { scheme: 'github' } as const;

// https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
const docsSecret = "It's a Secret to Everybody";
const docsPayload = Buffer.from('Hello, World!');
const docsSignature = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

const secret = 'gh-webhook-secret';
const payload = '{"action":"opened","number":42,"repository":{"full_name":"weft/weft"}}';

describe('github scheme', () => {
  it("verifies GitHub's documented example", () => {
    const result = verifyWebhook({
      config,
      secret: docsSecret,
      headers: {
        'x-hub-signature-256': docsSignature,
        'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      },
      rawBody: docsPayload,
    });
    expect(result).toEqual({ ok: true, deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958', timestamp: null });
  });

  it("signs GitHub's documented example to the documented signature", () => {
    const headers = signWebhook({ config, secret: docsSecret, rawBody: docsPayload, id: 'delivery-1' });
    expect(headers).toEqual({ 'X-Hub-Signature-256': docsSignature, 'X-GitHub-Delivery': 'delivery-1' });
  });

  it('our signature passes @octokit/webhooks-methods verify', async () => {
    const headers = signWebhook({ config, secret, rawBody: Buffer.from(payload) });
    const signature = headers['X-Hub-Signature-256'];
    expect(signature).toBeDefined();
    expect(await octokitVerify(secret, payload, signature ?? '')).toBe(true);
    expect(await octokitVerify('wrong', payload, signature ?? '')).toBe(false);
  });

  it('@octokit/webhooks-methods sign passes our verify', async () => {
    const signature = await octokitSign(secret, payload);
    const headers = { 'X-Hub-Signature-256': signature, 'X-GitHub-Delivery': 'abc' };
    expect(verifyWebhook({ config, secret, headers, rawBody: Buffer.from(payload) })).toEqual({
      ok: true,
      deliveryId: 'abc',
      timestamp: null,
    });
    expect(verifyWebhook({ config, secret: 'wrong', headers, rawBody: Buffer.from(payload) })).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('rejects the legacy SHA-1 header alone as a missing signature', () => {
    const result = verifyWebhook({
      config,
      secret,
      headers: { 'x-hub-signature': 'sha1=0123456789abcdef0123456789abcdef01234567' },
      rawBody: Buffer.from(payload),
    });
    expect(result).toEqual({
      ok: false,
      reason: 'missing_signature',
      message: 'X-Hub-Signature-256 header is missing',
    });
  });

  it('rejects a sha1= value in X-Hub-Signature-256 as malformed', () => {
    const result = verifyWebhook({
      config,
      secret,
      headers: { 'x-hub-signature-256': 'sha1=0123456789abcdef0123456789abcdef01234567' },
      rawBody: Buffer.from(payload),
    });
    expect(result).toMatchObject({ ok: false, reason: 'malformed_signature' });
  });

  it('takes the delivery id from X-GitHub-Delivery before Idempotency-Key', () => {
    expect(extractDeliveryId(config, { 'x-github-delivery': 'gh-1', 'idempotency-key': 'ik-1' })).toBe(
      'gh-1',
    );
    expect(extractDeliveryId(config, { 'idempotency-key': 'ik-1' })).toBe('ik-1');
    expect(extractDeliveryId(config, {})).toBeNull();
  });
});
