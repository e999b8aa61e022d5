import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createKeyring, generateSecretKey, KeyringError, parseKeyringEnv } from './keyring.js';

const k1 = randomBytes(32).toString('base64');
const k2 = randomBytes(32).toString('base64');

describe('createKeyring', () => {
  it('accepts base64 strings and Buffers', () => {
    const keyring = createKeyring({ current: 'k2', keys: { k1, k2: Buffer.from(k2, 'base64') } });
    expect(keyring.currentKeyId).toBe('k2');
    expect(keyring.keyIds).toEqual(['k1', 'k2']);
    expect(keyring.has('k1')).toBe(true);
    expect(keyring.has('k3')).toBe(false);
  });

  it('refuses a current key id it does not hold', () => {
    expect(() => createKeyring({ current: 'k3', keys: { k1, k2 } })).toThrow(
      new KeyringError('Current key id "k3" is not in the keyring (have: k1, k2)'),
    );
  });

  it('refuses keys of the wrong length', () => {
    const short = randomBytes(16).toString('base64');
    expect(() => createKeyring({ current: 'k1', keys: { k1: short } })).toThrow(
      'Key "k1" must be 32 bytes (AES-256), got 16',
    );
    expect(() => createKeyring({ current: 'k1', keys: { k1: randomBytes(31) } })).toThrow(/got 31/);
  });

  it('refuses bad base64 without echoing it', () => {
    const bad = `${k1.slice(0, 20)}!!${k1.slice(22)}`;
    let message = '';
    try {
      createKeyring({ current: 'k1', keys: { k1: bad } });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe('Key "k1" is not valid base64');
    expect(message).not.toContain(bad);
  });

  it('refuses an empty keyring and odd key ids', () => {
    expect(() => createKeyring({ current: 'k1', keys: {} })).toThrow('The keyring has no keys');
    expect(() => createKeyring({ current: 'a,b', keys: { 'a,b': k1 } })).toThrow(/Key id "a,b" is invalid/);
  });

  it('copies Buffer keys and never exposes key material', () => {
    const raw = Buffer.from(k1, 'base64');
    const keyring = createKeyring({ current: 'k1', keys: { k1: raw } });
    raw.fill(0);
    const shown = `${JSON.stringify(keyring)} ${inspect(keyring, { depth: 5, showHidden: true })}`;
    expect(shown).not.toContain(k1);
    expect(shown).not.toContain(Buffer.from(k1, 'base64').toString('hex'));
    expect(Object.isFrozen(keyring)).toBe(true);
  });
});

describe('parseKeyringEnv', () => {
  it('takes the first entry as current', () => {
    const keyring = parseKeyringEnv(`k2:${k2}, k1:${k1}`);
    expect(keyring.currentKeyId).toBe('k2');
    expect(keyring.keyIds).toEqual(['k2', 'k1']);
  });

  it('explains malformed values', () => {
    expect(() => parseKeyringEnv('')).toThrow(/empty/);
    expect(() => parseKeyringEnv(` , `)).toThrow(/empty/);
    expect(() => parseKeyringEnv(k1)).toThrow('Keyring entry 1 must look like "<keyId>:<base64 key>"');
    expect(() => parseKeyringEnv(`k1:${k1},k1:${k2}`)).toThrow('Key id "k1" appears twice in the keyring');
    expect(() => parseKeyringEnv(`k1:${k1},k2:not*base64`)).toThrow('Key "k2" is not valid base64');
  });
});

describe('generateSecretKey', () => {
  it('makes keys a keyring accepts', () => {
    const key = generateSecretKey();
    expect(createKeyring({ current: 'k', keys: { k: key } }).currentKeyId).toBe('k');
    expect(generateSecretKey()).not.toBe(key);
  });
});
