import { describe, expect, it } from 'vitest';
import {
  type SignatureConfigInput,
  type SignatureScheme,
  signatureSchemeInfo,
  signatureSchemes,
} from '../signature-schemes.js';
import { signWebhook, verifyWebhook } from './index.js';

const secrets: Record<SignatureScheme, string> = {
  generic: 'generic-secret',
  github: 'github-secret',
  stripe: 'whsec_stripe_secret',
  'standard-webhooks': 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  slack: 'slack-signing-secret',
  shopify: 'shpss_shopify_secret',
};
const wrongSecrets: Record<SignatureScheme, string> = {
  generic: 'generic-secreT',
  github: 'github-secreT',
  stripe: 'whsec_stripe_secreT',
  'standard-webhooks': 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSA',
  slack: 'slack-signing-secreT',
  shopify: 'shpss_shopify_secreT',
};

const now = new Date('2026-03-01T12:00:00.000Z');
const body = Buffer.from('{"id":"evt_weft","message":"héllo wörld"}');
const nonUtf8Body = Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x90, 0x28, 0xbc, 0xff]);

function flipByte(bytes: Uint8Array, index: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[index] = (copy[index] ?? 0) ^ 0x20;
  return copy;
}

describe.each(signatureSchemes)('%s: shared behaviour', (scheme) => {
  const config: SignatureConfigInput = { scheme };
  const secret = secrets[scheme];
  const sign = (rawBody: Uint8Array, at = now) =>
    signWebhook({ config, secret, rawBody, now: at, id: 'delivery-42' });

  it('verifies what it signs', () => {
    const result = verifyWebhook({ config, secret, headers: sign(body), rawBody: body, now });
    expect(result.ok).toBe(true);
  });

  it('verifies a non-UTF-8 body it signed, and not its lossy UTF-8 decoding', () => {
    const headers = sign(nonUtf8Body);
    expect(verifyWebhook({ config, secret, headers, rawBody: nonUtf8Body, now }).ok).toBe(true);
    const lossy = Buffer.from(nonUtf8Body.toString('utf8'));
    expect(verifyWebhook({ config, secret, headers, rawBody: lossy, now })).toMatchObject({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('rejects a wrong secret', () => {
    const result = verifyWebhook({
      config,
      secret: wrongSecrets[scheme],
      headers: sign(body),
      rawBody: body,
      now,
    });
    expect(result).toMatchObject({ ok: false, reason: 'signature_mismatch' });
  });

  it.each([0, 17, body.length - 1])('rejects the body with byte %i changed', (index) => {
    const result = verifyWebhook({
      config,
      secret,
      headers: sign(body),
      rawBody: flipByte(body, index),
      now,
    });
    expect(result).toMatchObject({ ok: false, reason: 'signature_mismatch' });
  });

  it('rejects an empty body signed as non-empty and vice versa', () => {
    expect(verifyWebhook({ config, secret, headers: sign(body), rawBody: new Uint8Array(0), now }).ok).toBe(
      false,
    );
    expect(verifyWebhook({ config, secret, headers: sign(new Uint8Array(0)), rawBody: body, now }).ok).toBe(
      false,
    );
  });

  it('reports missing headers as missing_signature and says which header', () => {
    const result = verifyWebhook({ config, secret, headers: {}, rawBody: body, now });
    expect(result).toMatchObject({ ok: false, reason: 'missing_signature' });
    if (!result.ok) expect(result.message).toMatch(/header is missing/);
  });

  it('reads header names case-insensitively', () => {
    const upper = Object.fromEntries(
      Object.entries(sign(body)).map(([name, value]) => [name.toUpperCase(), value]),
    );
    expect(verifyWebhook({ config, secret, headers: upper, rawBody: body, now }).ok).toBe(true);
  });

  it('only sends headers the scheme metadata declares', () => {
    const declared = [
      ...signatureSchemeInfo[scheme].headers,
      ...signatureSchemeInfo[scheme].deliveryIdHeaders,
    ].map((name) => name.toLowerCase());
    for (const name of Object.keys(sign(body))) expect(declared).toContain(name.toLowerCase());
  });

  it('reports an empty secret as invalid_secret and will not sign with it', () => {
    expect(verifyWebhook({ config, secret: '', headers: sign(body), rawBody: body, now })).toMatchObject({
      ok: false,
      reason: 'invalid_secret',
    });
    expect(() => signWebhook({ config, secret: '', rawBody: body })).toThrow(/cannot sign the webhook/);
  });

  if (signatureSchemeInfo[scheme].hasTimestamp) {
    it('returns the signed timestamp', () => {
      const signedAt = new Date('2026-03-01T11:58:20.000Z');
      const result = verifyWebhook({ config, secret, headers: sign(body, signedAt), rawBody: body, now });
      expect(result).toMatchObject({ ok: true, timestamp: signedAt });
    });

    it('accepts timestamps exactly at the tolerance and rejects one second beyond, both ways', () => {
      const shifted = (seconds: number) => new Date(now.getTime() + seconds * 1000);
      const verifyAt = (signedAt: Date, toleranceSec?: number) =>
        verifyWebhook({
          config: { scheme, toleranceSec },
          secret,
          headers: sign(body, signedAt),
          rawBody: body,
          now,
        });
      expect(verifyAt(shifted(-300)).ok).toBe(true);
      expect(verifyAt(shifted(300)).ok).toBe(true);
      expect(verifyAt(shifted(-301))).toMatchObject({
        reason: 'timestamp_out_of_window',
        message: expect.stringMatching(/is 301 s from now \(in the past\); tolerance is 300 s$/),
      });
      expect(verifyAt(shifted(301))).toMatchObject({
        reason: 'timestamp_out_of_window',
        message: expect.stringMatching(/is 301 s from now \(in the future\); tolerance is 300 s$/),
      });
      expect(verifyAt(shifted(-3600), 3600).ok).toBe(true);
      expect(verifyAt(shifted(-1), 0)).toMatchObject({ reason: 'timestamp_out_of_window' });
    });
  } else {
    it('has no timestamp and ignores the signing time', () => {
      const longAgo = new Date('2001-01-01T00:00:00.000Z');
      const result = verifyWebhook({ config, secret, headers: sign(body, longAgo), rawBody: body, now });
      expect(result).toMatchObject({ ok: true, timestamp: null });
    });
  }
});

describe('verifyWebhook / signWebhook dispatch', () => {
  it('throws on a scheme name that is not implemented (a server-side bug, not a bad request)', () => {
    const config = { scheme: 'paypal' } as unknown as SignatureConfigInput;
    expect(() => verifyWebhook({ config, secret: 's', headers: {}, rawBody: body })).toThrow(
      'unknown signature scheme "paypal"',
    );
    expect(() => signWebhook({ config, secret: 's', rawBody: body })).toThrow(
      'unknown signature scheme "paypal"',
    );
  });

  it('does not treat inherited object keys as schemes', () => {
    const config = { scheme: 'toString' } as unknown as SignatureConfigInput;
    expect(() => verifyWebhook({ config, secret: 's', headers: {}, rawBody: body })).toThrow(
      /unknown signature scheme/,
    );
  });

  it('accepts a Uint8Array body as well as a Buffer', () => {
    const config = { scheme: 'github' } as const;
    const headers = signWebhook({ config, secret: 's', rawBody: body });
    expect(verifyWebhook({ config, secret: 's', headers, rawBody: new Uint8Array(body) }).ok).toBe(true);
  });

  it('verifies a body that is a view into a larger buffer', () => {
    const config = { scheme: 'shopify' } as const;
    const backing = Buffer.concat([Buffer.from('PREFIX'), body, Buffer.from('SUFFIX')]);
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 6, body.length);
    const headers = signWebhook({ config, secret: 's', rawBody: view });
    expect(headers).toEqual(
      signWebhook({ config, secret: 's', rawBody: body, id: headers['X-Shopify-Webhook-Id'] }),
    );
    expect(verifyWebhook({ config, secret: 's', headers, rawBody: body }).ok).toBe(true);
  });
});
