import { createHmac } from 'node:crypto';

/**
 * HMAC-SHA256 over the concatenation of `parts`, fed piecewise so the raw body is
 * hashed as bytes and never decoded to text (non-UTF-8 bodies must still verify).
 */
export function hmacSha256(key: string | Uint8Array, ...parts: ReadonlyArray<string | Uint8Array>): Buffer {
  const hmac = createHmac('sha256', key);
  for (const part of parts) hmac.update(part);
  return hmac.digest();
}

export const HMAC_SHA256_BYTES = 32;
