import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';

export const KEY_BYTES = 32;

const KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A keyring could not be built; the message names the key id, never the key. */
export class KeyringError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyringError';
  }
}

/**
 * The AES-256 keys that encrypt connection secrets, by key id; `currentKeyId` encrypts, every
 * key decrypts. The key bytes live outside the object (see `keyMaterial`), so logging or
 * serialising a keyring cannot leak them.
 */
export interface Keyring {
  readonly currentKeyId: string;
  readonly keyIds: readonly string[];
  has(keyId: string): boolean;
}

const materialByKeyring = new WeakMap<Keyring, ReadonlyMap<string, Buffer>>();

export interface KeyringInput {
  /** Id of the key new ciphertexts are encrypted with. */
  readonly current: string;
  /** Key id → 32-byte key, as a Buffer or standard base64. */
  readonly keys: Readonly<Record<string, Buffer | string>>;
}

function decodeKey(keyId: string, key: Buffer | string): Buffer {
  let bytes: Buffer;
  if (typeof key === 'string') {
    const text = key.trim();
    if (text === '' || !BASE64.test(text)) {
      throw new KeyringError(`Key "${keyId}" is not valid base64`);
    }
    bytes = Buffer.from(text, 'base64');
  } else if (Buffer.isBuffer(key)) {
    bytes = Buffer.from(key); // a copy: later changes to the caller's buffer must not change the key
  } else {
    throw new KeyringError(`Key "${keyId}" must be a Buffer or a base64 string`);
  }
  if (bytes.length !== KEY_BYTES) {
    throw new KeyringError(`Key "${keyId}" must be ${KEY_BYTES} bytes (AES-256), got ${bytes.length}`);
  }
  return bytes;
}

export function createKeyring(input: KeyringInput): Keyring {
  const material = new Map<string, Buffer>();
  for (const [keyId, key] of Object.entries(input.keys)) {
    if (!KEY_ID.test(keyId)) {
      throw new KeyringError(`Key id "${keyId}" is invalid: use 1-64 characters of A-Z a-z 0-9 _ . -`);
    }
    material.set(keyId, decodeKey(keyId, key));
  }
  if (material.size === 0) throw new KeyringError('The keyring has no keys');
  if (!material.has(input.current)) {
    throw new KeyringError(
      `Current key id "${input.current}" is not in the keyring (have: ${[...material.keys()].join(', ')})`,
    );
  }
  const keyIds = Object.freeze([...material.keys()]);
  const keyring: Keyring = Object.freeze({
    currentKeyId: input.current,
    keyIds,
    has: (keyId: string) => material.has(keyId),
  });
  materialByKeyring.set(keyring, material);
  return keyring;
}

/** The key bytes for `keyId`, or `undefined` when the keyring does not hold it. */
export function keyMaterial(keyring: Keyring, keyId: string): Buffer | undefined {
  const material = materialByKeyring.get(keyring);
  if (material === undefined) throw new KeyringError('Not a keyring made by createKeyring');
  return material.get(keyId);
}

/**
 * Parses a keyring from an environment variable (e.g. `WEFT_SECRET_KEYS`).
 *
 * Format: comma-separated `<keyId>:<base64 key>` entries, the **first** being the current key
 * that encrypts; the others only decrypt. Key ids use `A-Z a-z 0-9 _ . -`; each key is 32
 * random bytes in standard base64 (`openssl rand -base64 32`). Whitespace around entries is
 * ignored. To rotate: prepend a new key (`k2:<new>,k1:<old>`), run `rotateSecret` over the
 * stored secrets, then drop the old entry.
 *
 * @example parseKeyringEnv('k2:q1cW…=,k1:Zm9v…=')
 */
export function parseKeyringEnv(value: string): Keyring {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) {
    throw new KeyringError('The keyring variable is empty: expected "<keyId>:<base64 key>[,…]"');
  }
  const keys: Record<string, string> = {};
  entries.forEach((entry, index) => {
    const colon = entry.indexOf(':');
    if (colon <= 0) {
      throw new KeyringError(`Keyring entry ${index + 1} must look like "<keyId>:<base64 key>"`);
    }
    const keyId = entry.slice(0, colon).trim();
    if (Object.hasOwn(keys, keyId)) throw new KeyringError(`Key id "${keyId}" appears twice in the keyring`);
    keys[keyId] = entry.slice(colon + 1).trim();
  });
  const current = entries[0]!.slice(0, entries[0]!.indexOf(':')).trim();
  return createKeyring({ current, keys });
}

/** A fresh random key in the base64 form `createKeyring` and `parseKeyringEnv` accept. */
export function generateSecretKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}
