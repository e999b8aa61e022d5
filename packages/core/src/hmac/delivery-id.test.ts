import { describe, expect, it } from 'vitest';
import { extractDeliveryId, findWebhookDeliveryId, signWebhook, verifyWebhook } from './index.js';

describe('extractDeliveryId', () => {
  it('prefers the configured idHeader over the scheme header and Idempotency-Key', () => {
    const headers = { 'x-github-delivery': 'gh', 'x-acme-id': 'acme', 'idempotency-key': 'ik' };
    expect(extractDeliveryId({ scheme: 'github', idHeader: 'X-Acme-Id' }, headers)).toBe('acme');
    expect(extractDeliveryId({ scheme: 'github' }, headers)).toBe('gh');
  });

  it('falls through when the configured idHeader is absent', () => {
    expect(
      extractDeliveryId({ scheme: 'github', idHeader: 'X-Acme-Id' }, { 'x-github-delivery': 'gh' }),
    ).toBe('gh');
    expect(extractDeliveryId({ scheme: 'generic', idHeader: 'X-Acme-Id' }, { 'Idempotency-Key': 'ik' })).toBe(
      'ik',
    );
  });

  it('reads webhook-id before svix-id for Standard Webhooks', () => {
    const config = { scheme: 'standard-webhooks' } as const;
    expect(extractDeliveryId(config, { 'svix-id': 's', 'webhook-id': 'w' })).toBe('w');
    expect(extractDeliveryId(config, { 'svix-id': 's' })).toBe('s');
  });

  it('gives generic deliveries without idHeader only Idempotency-Key, else null for the caller to hash', () => {
    expect(extractDeliveryId({ scheme: 'generic' }, { 'x-request-id': 'r' })).toBeNull();
    expect(extractDeliveryId({ scheme: 'generic' }, { 'idempotency-key': ['ik-1', 'ik-2'] })).toBe('ik-1');
  });

  it('ignores blank id headers', () => {
    expect(
      extractDeliveryId({ scheme: 'shopify' }, { 'x-shopify-webhook-id': ' ', 'idempotency-key': 'ik' }),
    ).toBe('ik');
  });

  it('only looks into the body for Stripe', () => {
    const json = Buffer.from('{"id":"evt_123"}');
    expect(extractDeliveryId({ scheme: 'stripe' }, {}, json)).toBe('evt_123');
    expect(extractDeliveryId({ scheme: 'generic' }, {}, json)).toBeNull();
    // The event id is signed (it is in the body): idHeader never overrides it.
    expect(extractDeliveryId({ scheme: 'stripe', idHeader: 'x-id' }, { 'x-id': 'hdr' }, json)).toBe(
      'evt_123',
    );
    expect(
      extractDeliveryId({ scheme: 'stripe', idHeader: 'x-id' }, { 'x-id': 'hdr' }, Buffer.from('[]')),
    ).toBe('hdr');
  });
});

describe('findWebhookDeliveryId', () => {
  it('says which ids the signature covers', () => {
    const json = Buffer.from('{"id":"evt_1"}');
    expect(findWebhookDeliveryId({ scheme: 'stripe' }, {}, json)).toEqual({
      id: 'evt_1',
      signed: true,
      from: 'scheme',
    });
    const sw = { 'webhook-id': 'msg_1', 'webhook-signature': 'v1,x' };
    expect(findWebhookDeliveryId({ scheme: 'standard-webhooks' }, sw)).toEqual({
      id: 'msg_1',
      signed: true,
      from: 'scheme',
    });
    for (const [scheme, header] of [
      ['github', 'x-github-delivery'],
      ['shopify', 'x-shopify-webhook-id'],
    ] as const) {
      expect(findWebhookDeliveryId({ scheme }, { [header]: 'd-1' })).toEqual({
        id: 'd-1',
        signed: false,
        from: 'scheme',
      });
    }
    expect(findWebhookDeliveryId({ scheme: 'generic', idHeader: 'x-id' }, { 'x-id': 'a' })).toEqual({
      id: 'a',
      signed: false,
      from: 'scheme',
    });
    expect(findWebhookDeliveryId({ scheme: 'slack' }, { 'idempotency-key': 'k' })).toEqual({
      id: 'k',
      signed: false,
      from: 'idempotency_key',
    });
  });

  it('never lets idHeader override the signed Standard Webhooks id', () => {
    const headers = { 'webhook-id': 'msg_signed', 'webhook-signature': 'v1,x', 'x-acme-id': 'chosen' };
    expect(extractDeliveryId({ scheme: 'standard-webhooks', idHeader: 'X-Acme-Id' }, headers)).toBe(
      'msg_signed',
    );
  });

  it('takes the id of the header set that carries the signature, not an unsigned webhook-id beside svix-*', () => {
    const headers = { 'svix-id': 'msg_signed', 'svix-signature': 'v1,x', 'webhook-id': 'chosen' };
    expect(extractDeliveryId({ scheme: 'standard-webhooks' }, headers)).toBe('msg_signed');
  });
});

describe('signWebhook with idHeader', () => {
  it('adds the configured id header and verifyWebhook returns it as the delivery id', () => {
    const config = { scheme: 'generic', idHeader: 'X-Acme-Delivery' } as const;
    const headers = signWebhook({ config, secret: 's', rawBody: Buffer.from('{}'), id: 'd-1' });
    expect(headers['X-Acme-Delivery']).toBe('d-1');
    expect(verifyWebhook({ config, secret: 's', headers, rawBody: Buffer.from('{}') })).toMatchObject({
      ok: true,
      deliveryId: 'd-1',
    });
  });

  it("reuses the scheme's own id rather than inventing a second one", () => {
    const config = { scheme: 'github', idHeader: 'X-Acme-Delivery' } as const;
    const headers = signWebhook({ config, secret: 's', rawBody: Buffer.from('{}') });
    expect(headers['X-Acme-Delivery']).toBe(headers['X-GitHub-Delivery']);
    expect(headers['X-Acme-Delivery']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('does not duplicate a header the scheme already sends under another case', () => {
    const config = { scheme: 'github', idHeader: 'x-github-delivery' } as const;
    const headers = signWebhook({ config, secret: 's', rawBody: Buffer.from('{}'), id: 'g-1' });
    expect(headers).toEqual({ 'X-Hub-Signature-256': expect.any(String), 'X-GitHub-Delivery': 'g-1' });
  });
});
