import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import {
  decryptSecret,
  type EncryptedSecret,
  encryptedSecretSchema,
  encryptSecret,
  needsRotation,
  rotateSecret,
  SecretDecryptionError,
} from './envelope.js';
import { createKeyring, generateSecretKey } from './keyring.js';

const k1 = generateSecretKey();
const k2 = generateSecretKey();
const keyringV1 = createKeyring({ current: 'k1', keys: { k1 } });
const keyringV2 = createKeyring({ current: 'k2', keys: { k1, k2 } });
const keyringOnlyV2 = createKeyring({ current: 'k2', keys: { k2 } });
const AAD = 'ws_1:conn_1';

function decryptionErrorOf(run: () => unknown): SecretDecryptionError {
  try {
    run();
  } catch (err) {
    if (err instanceof SecretDecryptionError) return err;
    throw err;
  }
  throw new Error('expected a SecretDecryptionError');
}

/** Flips one bit of a base64 field's bytes. */
function flip(base64: string, index = 0): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[index] = (bytes[index] ?? 0) ^ 0x01;
  return bytes.toString('base64');
}

describe('encryptSecret / decryptSecret', () => {
  it('round-trips a string', () => {
    const envelope = encryptSecret(keyringV1, 'whsec_abc123', AAD);
    expect(decryptSecret(keyringV1, envelope, AAD)).toBe('whsec_abc123');
  });

  it('round-trips a string map, including unicode and the empty string', () => {
    const secret = { clientId: 'id', clientSecret: 'sécret 🔐', empty: '' };
    expect(decryptSecret(keyringV1, encryptSecret(keyringV1, secret), undefined)).toEqual(secret);
    expect(decryptSecret(keyringV1, encryptSecret(keyringV1, ''))).toBe('');
  });

  it('produces a serialisable envelope that matches its schema and hides the plaintext', () => {
    const envelope = encryptSecret(keyringV1, 'hunter2-hunter2', AAD);
    expect(envelope.v).toBe(1);
    expect(envelope.kid).toBe('k1');
    expect(Buffer.from(envelope.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(envelope.tag, 'base64')).toHaveLength(16);
    const stored = JSON.parse(JSON.stringify(envelope));
    expect(encryptedSecretSchema.parse(stored)).toEqual(envelope);
    expect(JSON.stringify(envelope)).not.toContain('hunter2');
    expect(decryptSecret(keyringV1, stored, AAD)).toBe('hunter2-hunter2');
  });

  it('refuses plaintext that is not a string or a string map', () => {
    expect(() => encryptSecret(keyringV1, { n: 1 } as unknown as Record<string, string>)).toThrow(TypeError);
  });

  it('uses a fresh IV for each of 1,000 encryptions', () => {
    const ivs = new Set<string>();
    for (let i = 0; i < 1000; i++) ivs.add(encryptSecret(keyringV1, 'same').iv);
    expect(ivs.size).toBe(1000);
  });
});

describe('rotation', () => {
  it('decrypts old-key secrets with a newer keyring and rotates them to the current key', () => {
    const old = encryptSecret(keyringV1, { token: 't0k3n' }, AAD);
    expect(needsRotation(keyringV2, old)).toBe(true);
    expect(decryptSecret(keyringV2, old, AAD)).toEqual({ token: 't0k3n' });

    const rotated = rotateSecret(keyringV2, old, AAD);
    expect(rotated.kid).toBe('k2');
    expect(needsRotation(keyringV2, rotated)).toBe(false);
    expect(decryptSecret(keyringOnlyV2, rotated, AAD)).toEqual({ token: 't0k3n' });
  });

  it('returns an envelope already under the current key unchanged', () => {
    const current = encryptSecret(keyringV2, 'x', AAD);
    expect(rotateSecret(keyringV2, current, AAD)).toBe(current);
  });

  it('fails with unknown_key_id once the old key is gone', () => {
    const old = encryptSecret(keyringV1, 'x', AAD);
    const error = decryptionErrorOf(() => decryptSecret(keyringOnlyV2, old, AAD));
    expect(error.code).toBe('unknown_key_id');
    expect(error.message).toBe('The secret was encrypted with key "k1", which is not in the keyring');
    expect(decryptionErrorOf(() => rotateSecret(keyringOnlyV2, old, AAD)).code).toBe('unknown_key_id');
  });

  it('rotation keeps the aad binding', () => {
    const rotated = rotateSecret(keyringV2, encryptSecret(keyringV1, 'x', AAD), AAD);
    expect(decryptionErrorOf(() => decryptSecret(keyringV2, rotated, 'ws_1:conn_2')).code).toBe('tampered');
  });
});

describe('tamper detection', () => {
  const secret = 'whsec_0123456789abcdef';
  const envelope = encryptSecret(keyringV2, secret, AAD);

  const tamperedCases: [string, EncryptedSecret, string | undefined][] = [
    ['a flipped ciphertext byte', { ...envelope, ct: flip(envelope.ct, 3) }, AAD],
    ['a flipped tag byte', { ...envelope, tag: flip(envelope.tag, 15) }, AAD],
    ['a flipped iv byte', { ...envelope, iv: flip(envelope.iv, 0) }, AAD],
    ['a relabelled key id', { ...envelope, kid: 'k1' }, AAD],
    ['another owner (wrong aad)', envelope, 'ws_2:conn_1'],
    ['a missing aad', envelope, undefined],
  ];

  it.each(tamperedCases)('refuses %s as tampered, without leaking the secret', (_label, candidate, aad) => {
    const error = decryptionErrorOf(() => decryptSecret(keyringV2, candidate, aad));
    expect(error.code).toBe('tampered');
    expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain(k1);
    expect(error.message).not.toContain(k2);
  });

  it('refuses a truncated ciphertext as tampered', () => {
    const truncated = {
      ...envelope,
      ct: Buffer.from(envelope.ct, 'base64').subarray(0, 4).toString('base64'),
    };
    expect(decryptionErrorOf(() => decryptSecret(keyringV2, truncated, AAD)).code).toBe('tampered');
  });

  it.each([
    ['not an object', 'nope'],
    ['another version', { ...envelope, v: 2 }],
    ['a short iv', { ...envelope, iv: Buffer.alloc(8).toString('base64') }],
    ['a non-base64 tag', { ...envelope, tag: '!'.repeat(24) }],
    ['a missing ciphertext', { v: 1, kid: 'k2', iv: envelope.iv, tag: envelope.tag }],
  ])('refuses %s as malformed', (_label, candidate) => {
    const error = decryptionErrorOf(() => decryptSecret(keyringV2, candidate, AAD));
    expect(error.code).toBe('malformed');
    expect(error.message).toMatch(/^Not a valid encrypted secret/);
  });

  it('is an Error with a stable name', () => {
    const error = decryptionErrorOf(() => decryptSecret(keyringV2, 'nope'));
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('SecretDecryptionError');
  });
});
