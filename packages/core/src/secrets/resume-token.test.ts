import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { createKeyring } from './keyring.js';
import { signResumeToken, verifyResumeToken } from './resume-token.js';

const k1 = Buffer.alloc(32, 1);
const k2 = Buffer.alloc(32, 2);
const keyring = createKeyring({ current: 'k1', keys: { k1 } });
const claims = {
  runId: 'aaaaaaaaaaaaaaaaaaaaaaaa',
  nodeId: 'approve',
  expiresAt: new Date('2030-01-02T00:00:00Z'),
};
const before = new Date('2030-01-01T00:00:00Z');

describe('resume tokens', () => {
  it('carry the run, node, item and expiry, signed', () => {
    const token = signResumeToken(keyring, { ...claims, itemIndex: 3 });
    expect(verifyResumeToken(keyring, token, before)).toEqual({
      ok: true,
      claims: { ...claims, itemIndex: 3 },
    });
    expect(verifyResumeToken(keyring, signResumeToken(keyring, claims), before)).toEqual({
      ok: true,
      claims,
    });
  });

  it('refuse a changed payload, a foreign key, an expired link and garbage, saying which', () => {
    const token = signResumeToken(keyring, claims);
    const [payload, signature] = token.split('.') as [string, string];
    const changed = Buffer.from(
      Buffer.from(payload, 'base64url').toString().replace('approve', 'other'),
    ).toString('base64url');
    expect(verifyResumeToken(keyring, `${changed}.${signature}`, before)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    const foreign = createKeyring({ current: 'k1', keys: { k1: k2 } });
    expect(verifyResumeToken(foreign, token, before)).toMatchObject({ ok: false, reason: 'bad_signature' });
    expect(
      verifyResumeToken(createKeyring({ current: 'k9', keys: { k9: k1 } }), token, before),
    ).toMatchObject({
      ok: false,
      reason: 'unknown_key',
    });
    expect(verifyResumeToken(keyring, token, claims.expiresAt)).toMatchObject({
      ok: false,
      reason: 'expired',
      message: 'the resume link expired at 2030-01-02T00:00:00.000Z',
    });
    for (const bad of ['', 'abc', 'a.b.c', `${Buffer.from('{"v":2}').toString('base64url')}.x`])
      expect(verifyResumeToken(keyring, bad, before)).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('stay valid after a key rotation while the old key is in the keyring', () => {
    const token = signResumeToken(keyring, claims);
    const rotated = createKeyring({ current: 'k2', keys: { k2, k1 } });
    expect(verifyResumeToken(rotated, token, before)).toEqual({ ok: true, claims });
  });
});
