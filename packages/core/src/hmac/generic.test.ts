import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from './index.js';

// Vectors computed independently with
//   printf '%s' '<body>' | openssl dgst -sha256 -hmac 'weft-generic-secret' -hex
const secret = 'weft-generic-secret';
const body = Buffer.from('{"event":"invoice.paid","amount":4200}');
const bodyHex = 'd1afe37f8b22eaa6edf2b297b8cf1519bfcae51eb8798ade59a0d6ce6bb0d1a2';
// printf '\xff\xfe{"a":1}\x80' | openssl dgst -sha256 -hmac 'weft-generic-secret' -hex
const nonUtf8Body = Buffer.from([0xff, 0xfe, ...Buffer.from('{"a":1}'), 0x80]);
const nonUtf8Hex = 'd8c0ae104c09eebf5d9e53e7987920fb4e1dc56957b41ed6e0944e4b2c9b0cde';

const config = { scheme: 'generic' } as const;

describe('generic scheme', () => {
  it('verifies the openssl-computed vector in the default x-signature: sha256=<hex> form', () => {
    expect(
      verifyWebhook({ config, secret, headers: { 'x-signature': `sha256=${bodyHex}` }, rawBody: body }),
    ).toEqual({ ok: true, deliveryId: null, timestamp: null });
  });

  it('signs to the same vector', () => {
    expect(signWebhook({ config, secret, rawBody: body })).toEqual({ 'x-signature': `sha256=${bodyHex}` });
  });

  it('accepts upper-case hex (the digest is compared as bytes)', () => {
    const result = verifyWebhook({
      config,
      secret,
      headers: { 'X-Signature': `sha256=${bodyHex.toUpperCase()}` },
      rawBody: body,
    });
    expect(result.ok).toBe(true);
  });

  it('uses the configured header and prefix, including no prefix at all', () => {
    const custom = { scheme: 'generic', header: 'X-Acme-Sig', prefix: '' } as const;
    expect(signWebhook({ config: custom, secret, rawBody: body })).toEqual({ 'X-Acme-Sig': bodyHex });
    expect(
      verifyWebhook({ config: custom, secret, headers: { 'x-acme-sig': bodyHex }, rawBody: body }).ok,
    ).toBe(true);
    expect(
      verifyWebhook({
        config: custom,
        secret,
        headers: { 'x-signature': `sha256=${bodyHex}` },
        rawBody: body,
      }),
    ).toEqual({ ok: false, reason: 'missing_signature', message: 'X-Acme-Sig header is missing' });
  });

  it('signs and verifies a non-UTF-8 body byte for byte', () => {
    expect(signWebhook({ config, secret, rawBody: nonUtf8Body })).toEqual({
      'x-signature': `sha256=${nonUtf8Hex}`,
    });
    const headers = { 'x-signature': `sha256=${nonUtf8Hex}` };
    expect(verifyWebhook({ config, secret, headers, rawBody: nonUtf8Body }).ok).toBe(true);
    // Decoding to text first would replace the invalid bytes with U+FFFD and change the HMAC.
    const lossy = Buffer.from(nonUtf8Body.toString('utf8'));
    expect(verifyWebhook({ config, secret, headers, rawBody: lossy }).ok).toBe(false);
  });

  it('rejects a wrong secret', () => {
    const result = verifyWebhook({
      config,
      secret: 'other-secret',
      headers: { 'x-signature': `sha256=${bodyHex}` },
      rawBody: body,
    });
    expect(result).toMatchObject({ ok: false, reason: 'signature_mismatch' });
    if (!result.ok)
      expect(result.message).toMatch(/^x-signature does not match the HMAC-SHA256 of the raw body/);
  });

  it('rejects a body with one byte changed', () => {
    const tampered = Buffer.from(body);
    tampered[10] = (tampered[10] ?? 0) ^ 0x01;
    const result = verifyWebhook({
      config,
      secret,
      headers: { 'x-signature': `sha256=${bodyHex}` },
      rawBody: tampered,
    });
    expect(result).toMatchObject({ ok: false, reason: 'signature_mismatch' });
  });

  it('rejects a missing prefix, non-hex digests and a short digest with specific reasons', () => {
    const verify = (value: string) =>
      verifyWebhook({ config, secret, headers: { 'x-signature': value }, rawBody: body });
    expect(verify(bodyHex)).toEqual({
      ok: false,
      reason: 'malformed_signature',
      message: `x-signature "${bodyHex.slice(0, 40)}…" does not start with "sha256="; expected "sha256=<hex digest>"`,
    });
    expect(verify('sha256=not-hex')).toMatchObject({ ok: false, reason: 'malformed_signature' });
    expect(verify(`sha256=${bodyHex.slice(0, 63)}`)).toMatchObject({
      ok: false,
      reason: 'malformed_signature',
    });
    // A well-formed but shorter digest takes the constant-time path and must not throw.
    expect(verify(`sha256=${bodyHex.slice(0, 62)}`)).toEqual({
      ok: false,
      reason: 'signature_mismatch',
      message: 'x-signature holds a 31-byte digest; an HMAC-SHA256 is 32 bytes',
    });
  });

  it('reports an empty secret as invalid_secret and refuses to sign with it', () => {
    expect(
      verifyWebhook({ config, secret: '', headers: { 'x-signature': `sha256=${bodyHex}` }, rawBody: body }),
    ).toMatchObject({ ok: false, reason: 'invalid_secret' });
    expect(() => signWebhook({ config, secret: '', rawBody: body })).toThrow(/secret is empty/);
  });

  it('agrees with node:crypto on a random body', () => {
    const random = Buffer.from(Array.from({ length: 257 }, (_, i) => (i * 151 + 7) % 256));
    const expected = createHmac('sha256', secret).update(random).digest('hex');
    expect(signWebhook({ config, secret, rawBody: random })['x-signature']).toBe(`sha256=${expected}`);
  });
});
