import { constantTimeEqual } from './constant-time.js';
import { HMAC_SHA256_BYTES } from './hmac-sha256.js';
import { failure } from './result.js';
import type { VerificationFailure } from './types.js';

/**
 * Passes when any candidate equals the expected digest. Every candidate goes through
 * the constant-time comparison; only the fact that one matched is revealed.
 * `signedWhat` describes the signed content for the failure message.
 */
export function checkSignatures(
  candidates: readonly Uint8Array[],
  expected: Uint8Array,
  label: string,
  signedWhat: string,
): VerificationFailure | null {
  let matched = false;
  for (const candidate of candidates) {
    if (constantTimeEqual(candidate, expected)) matched = true;
  }
  if (matched) return null;

  const [only] = candidates;
  if (candidates.length === 1 && only && only.length !== HMAC_SHA256_BYTES) {
    return failure(
      'signature_mismatch',
      `${label} holds a ${only.length}-byte digest; an HMAC-SHA256 is ${HMAC_SHA256_BYTES} bytes`,
    );
  }
  const mismatch =
    candidates.length === 1
      ? `${label} does not match`
      : `none of the ${candidates.length} signatures in ${label} matches`;
  return failure(
    'signature_mismatch',
    `${mismatch} the HMAC-SHA256 of ${signedWhat} computed with the configured secret (wrong secret, or the body was altered)`,
  );
}
