import { Buffer } from 'node:buffer';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { type Keyring, keyMaterial } from './keyring.js';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A secret encrypted with AES-256-GCM, as stored on a connection document. */
export const encryptedSecretSchema = z.object({
  /** Envelope format version. */
  v: z.literal(1),
  /** Id of the keyring key that encrypted it. */
  kid: z.string().min(1),
  /** 12 random bytes, base64. */
  iv: z.base64().length(16),
  /** GCM authentication tag (16 bytes), base64. */
  tag: z.base64().length(24),
  /** Ciphertext, base64. */
  ct: z.base64(),
});

export type EncryptedSecret = z.output<typeof encryptedSecretSchema>;

/** A secret value: one string (a webhook secret) or a set of named strings (client id + secret). */
export type SecretPlaintext = string | Readonly<Record<string, string>>;

const plaintextSchema = z.union([z.string(), z.record(z.string(), z.string())]);

export type SecretDecryptionCode = 'unknown_key_id' | 'tampered' | 'malformed';

/** Decryption failed. The message says why, never what the secret or the key is. */
export class SecretDecryptionError extends Error {
  readonly code: SecretDecryptionCode;

  constructor(code: SecretDecryptionCode, message: string) {
    super(message);
    this.name = 'SecretDecryptionError';
    this.code = code;
  }
}

/**
 * What GCM authenticates besides the ciphertext: the envelope version and key id (so a
 * relabelled envelope fails) and the caller's `aad` — the owner, e.g. `workspaceId:connectionId`,
 * so a ciphertext copied onto another document fails.
 */
function associatedData(kid: string, aad: string | undefined): Buffer {
  return Buffer.from(JSON.stringify(['weft-secret', 1, kid, aad ?? '']), 'utf8');
}

function assertPlaintext(plaintext: unknown): asserts plaintext is SecretPlaintext {
  if (!plaintextSchema.safeParse(plaintext).success) {
    throw new TypeError('A secret must be a string or an object whose values are all strings');
  }
}

export function encryptSecret(keyring: Keyring, plaintext: SecretPlaintext, aad?: string): EncryptedSecret {
  assertPlaintext(plaintext);
  const kid = keyring.currentKeyId;
  const key = keyMaterial(keyring, kid)!;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(kid, aad));
  // JSON keeps the plaintext's shape, so a string decrypts to a string and an object to an object.
  const ct = Buffer.concat([cipher.update(JSON.stringify(plaintext), 'utf8'), cipher.final()]);
  return {
    v: 1,
    kid,
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ct: ct.toString('base64'),
  };
}

/**
 * Decrypts with the key the envelope names, so secrets encrypted before a rotation still open.
 * Throws `SecretDecryptionError`: `malformed` (not an envelope), `unknown_key_id` (the keyring
 * lacks its key), `tampered` (ciphertext, tag, iv, kid or `aad` differ from what was encrypted).
 */
export function decryptSecret(keyring: Keyring, envelope: unknown, aad?: string): SecretPlaintext {
  const parsed = encryptedSecretSchema.safeParse(envelope);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(root)'))];
    throw new SecretDecryptionError(
      'malformed',
      `Not a valid encrypted secret (check: ${fields.join(', ')})`,
    );
  }
  const { kid, iv, tag, ct } = parsed.data;
  const key = keyMaterial(keyring, kid);
  if (key === undefined) {
    throw new SecretDecryptionError(
      'unknown_key_id',
      `The secret was encrypted with key "${kid}", which is not in the keyring`,
    );
  }

  let json: string;
  try {
    const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(iv, 'base64'), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(associatedData(kid, aad));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    json = Buffer.concat([decipher.update(Buffer.from(ct, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretDecryptionError(
      'tampered',
      'The secret failed authentication: its ciphertext, tag, iv or key id was altered, or it belongs to another owner (aad)',
    );
  }

  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    value = undefined;
  }
  const plaintext = plaintextSchema.safeParse(value);
  if (!plaintext.success) {
    throw new SecretDecryptionError('malformed', 'The decrypted secret is not a string or a string map');
  }
  return plaintext.data;
}

/** Whether the envelope was encrypted with a key other than the keyring's current one. */
export function needsRotation(keyring: Keyring, envelope: EncryptedSecret): boolean {
  return envelope.kid !== keyring.currentKeyId;
}

/**
 * Re-encrypts a secret under the current key (fresh iv). An envelope already under the current
 * key is returned unchanged, so a rotation sweep can run repeatedly.
 */
export function rotateSecret(keyring: Keyring, envelope: EncryptedSecret, aad?: string): EncryptedSecret {
  if (!needsRotation(keyring, envelope)) return envelope;
  return encryptSecret(keyring, decryptSecret(keyring, envelope, aad), aad);
}
