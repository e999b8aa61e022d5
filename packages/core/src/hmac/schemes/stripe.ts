import { decodeHex, encodeHex, truncateForMessage } from '../encoding.js';
import { getHeader } from '../headers.js';
import { hmacSha256 } from '../hmac-sha256.js';
import { failure } from '../result.js';
import { assertSigningSecret, checkSecretPresent } from '../secret.js';
import { checkSignatures } from '../signature-match.js';
import { checkTimestampWindow, parseUnixSeconds, unixSeconds } from '../timestamp.js';
import type { SchemeImpl, VerificationFailure } from '../types.js';

const signatureHeader = 'Stripe-Signature';

interface StripeSignatureHeader {
  ok: true;
  timestamp: string | null;
  v1: string[];
  otherSchemes: string[];
}

/** `t=<ts>,v1=<hex>[,v1=<hex>…][,v0=<hex>]`; unknown schemes are kept only for the message. */
function parseStripeSignature(value: string): StripeSignatureHeader | VerificationFailure {
  const parsed: StripeSignatureHeader = { ok: true, timestamp: null, v1: [], otherSchemes: [] };
  for (const element of value.split(',')) {
    const separator = element.indexOf('=');
    if (separator <= 0) {
      return failure(
        'malformed_signature',
        `${signatureHeader} element "${truncateForMessage(element.trim())}" is not key=value; expected "t=<timestamp>,v1=<hex>"`,
      );
    }
    const key = element.slice(0, separator).trim();
    const content = element.slice(separator + 1).trim();
    if (key === 't') {
      if (parsed.timestamp !== null) {
        return failure('malformed_signature', `${signatureHeader} has more than one t= element`);
      }
      parsed.timestamp = content;
    } else if (key === 'v1') {
      parsed.v1.push(content);
    } else {
      parsed.otherSchemes.push(key);
    }
  }
  return parsed;
}

/** Stripe: HMAC-SHA256 of `${t}.${body}`, the whole `whsec_…` string being the key. */
export const stripeScheme: SchemeImpl = {
  verify({ secret, headers, rawBody, now, toleranceSec }) {
    const secretProblem = checkSecretPresent(secret);
    if (secretProblem) return secretProblem;
    const value = getHeader(headers, signatureHeader);
    if (value === undefined) return failure('missing_signature', `${signatureHeader} header is missing`);

    const parsed = parseStripeSignature(value);
    if (!parsed.ok) return parsed;
    if (parsed.timestamp === null) {
      return failure('missing_timestamp', `${signatureHeader} has no t=<timestamp> element`);
    }
    const timestamp = parseUnixSeconds(parsed.timestamp, `${signatureHeader} t`);
    if (!timestamp.ok) return timestamp;
    if (parsed.v1.length === 0) {
      const found = parsed.otherSchemes.length > 0 ? ` (found: ${parsed.otherSchemes.join(', ')})` : '';
      return failure('malformed_signature', `${signatureHeader} has no v1= signature${found}`);
    }
    const candidates = parsed.v1.map(decodeHex).filter((digest) => digest !== null);
    if (candidates.length === 0) {
      return failure('malformed_signature', `${signatureHeader} v1= values are not hex`);
    }

    const expected = hmacSha256(secret, `${parsed.timestamp}.`, rawBody);
    const problem =
      checkSignatures(candidates, expected, `${signatureHeader} v1`, '"<t>.<raw body>"') ??
      checkTimestampWindow(timestamp.seconds, now, toleranceSec, `${signatureHeader} t=${timestamp.seconds}`);
    return problem ?? { ok: true, timestamp: new Date(timestamp.seconds * 1000) };
  },

  sign({ secret, rawBody, now }) {
    assertSigningSecret(secret);
    const t = unixSeconds(now);
    return { [signatureHeader]: `t=${t},v1=${encodeHex(hmacSha256(secret, `${t}.`, rawBody))}` };
  },

  // Stripe sends no delivery id header; the event's own id ("evt_…") in the JSON body is
  // stable across Stripe's retries and is what Stripe tells integrators to deduplicate on.
  signedDeliveryId(_headers, rawBody) {
    if (!rawBody) return null;
    try {
      const event: unknown = JSON.parse(new TextDecoder().decode(rawBody));
      if (typeof event === 'object' && event !== null && 'id' in event) {
        const { id } = event;
        if (typeof id === 'string' && id.length > 0) return id;
      }
    } catch {
      // Not JSON: the caller falls back to Idempotency-Key or a body hash.
    }
    return null;
  },
};
