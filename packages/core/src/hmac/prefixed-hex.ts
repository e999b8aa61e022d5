import { decodeHex, truncateForMessage } from './encoding.js';
import { getHeader, type HeaderBag } from './headers.js';
import { failure } from './result.js';
import type { VerificationFailure } from './types.js';

/** Reads a `<prefix><hex digest>` header (generic, GitHub, Slack). */
export function readPrefixedHexHeader(
  headers: HeaderBag,
  headerName: string,
  prefix: string,
): { ok: true; digest: Uint8Array } | VerificationFailure {
  const value = getHeader(headers, headerName);
  if (value === undefined) return failure('missing_signature', `${headerName} header is missing`);
  const shape = `"${prefix}<hex digest>"`;
  if (!value.startsWith(prefix)) {
    return failure(
      'malformed_signature',
      `${headerName} "${truncateForMessage(value)}" does not start with "${prefix}"; expected ${shape}`,
    );
  }
  const digest = decodeHex(value.slice(prefix.length));
  if (digest === null) {
    return failure(
      'malformed_signature',
      `${headerName} "${truncateForMessage(value)}" is not hex after "${prefix}"; expected ${shape}`,
    );
  }
  return { ok: true, digest };
}
