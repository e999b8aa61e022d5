const hexPattern = /^(?:[0-9a-fA-F]{2})+$/;
const base64Pattern = /^[A-Za-z0-9+/]+={0,2}$/;

/** Strict hex decoding: null unless the whole string is an even number of hex digits. */
export function decodeHex(text: string): Uint8Array | null {
  return hexPattern.test(text) ? Buffer.from(text, 'hex') : null;
}

/**
 * Strict base64 (standard alphabet, padding optional) decoding. Node's own decoder
 * silently skips invalid characters, which would turn garbage into a short key.
 */
export function decodeBase64(text: string): Uint8Array | null {
  const unpadded = text.replace(/=+$/, '');
  if (!base64Pattern.test(text) || unpadded.length % 4 === 1) return null;
  if (text.length !== unpadded.length && text.length % 4 !== 0) return null;
  return Buffer.from(unpadded, 'base64');
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export function encodeHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** For echoing partner-supplied values in messages without flooding logs. */
export function truncateForMessage(text: string, max = 40): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
