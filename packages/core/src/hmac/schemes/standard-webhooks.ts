import { randomUUID } from 'node:crypto';
import { decodeBase64, encodeBase64 } from '../encoding.js';
import { getHeader, type HeaderBag } from '../headers.js';
import { hmacSha256 } from '../hmac-sha256.js';
import { failure } from '../result.js';
import { decodeStandardWebhooksSecret } from '../secret.js';
import { checkSignatures } from '../signature-match.js';
import { checkTimestampWindow, parseUnixSeconds, unixSeconds } from '../timestamp.js';
import type { SchemeImpl } from '../types.js';

// Svix predates the standard and still sends its own header names; same algorithm.
const headerSets = [
  { id: 'webhook-id', timestamp: 'webhook-timestamp', signature: 'webhook-signature' },
  { id: 'svix-id', timestamp: 'svix-timestamp', signature: 'svix-signature' },
] as const;

type HeaderSet = (typeof headerSets)[number];

function pickHeaderSet(headers: HeaderBag): HeaderSet | undefined {
  return headerSets.find((set) => getHeader(headers, set.signature) !== undefined);
}

/**
 * `v1,<base64>` entries separated by spaces. Other versions (e.g. `v1a`, asymmetric) are
 * skipped, not rejected: a sender may add them alongside v1.
 */
function parseSignatureList(value: string): { v1: Uint8Array[]; v1Count: number; otherVersions: string[] } {
  const v1: Uint8Array[] = [];
  const otherVersions: string[] = [];
  let v1Count = 0;
  for (const entry of value.split(' ')) {
    if (entry === '') continue;
    const comma = entry.indexOf(',');
    const version = comma === -1 ? entry : entry.slice(0, comma);
    if (version !== 'v1' || comma === -1) {
      otherVersions.push(version);
      continue;
    }
    v1Count++;
    const digest = decodeBase64(entry.slice(comma + 1));
    if (digest) v1.push(digest);
  }
  return { v1, v1Count, otherVersions };
}

const invalidSecretMessage =
  'the webhook secret is not a Standard Webhooks secret: expected whsec_ followed by a base64 key (or the base64 key alone)';

/** Standard Webhooks (and Svix): base64 HMAC-SHA256 of `${id}.${timestamp}.${body}`. */
export const standardWebhooksScheme: SchemeImpl = {
  verify({ secret, headers, rawBody, now, toleranceSec }) {
    const key = decodeStandardWebhooksSecret(secret);
    if (!key) return failure('invalid_secret', invalidSecretMessage);

    const names = pickHeaderSet(headers);
    if (!names)
      return failure('missing_signature', 'webhook-signature header is missing (nor is svix-signature set)');
    const signature = getHeader(headers, names.signature) ?? '';
    const id = getHeader(headers, names.id);
    if (id === undefined) {
      return failure(
        'missing_signature',
        `${names.id} header is missing; it is part of the signed content "<id>.<timestamp>.<body>"`,
      );
    }
    const timestampText = getHeader(headers, names.timestamp);
    if (timestampText === undefined)
      return failure('missing_timestamp', `${names.timestamp} header is missing`);
    const timestamp = parseUnixSeconds(timestampText, names.timestamp);
    if (!timestamp.ok) return timestamp;

    const { v1, v1Count, otherVersions } = parseSignatureList(signature);
    if (v1Count === 0) {
      const found = otherVersions.length > 0 ? ` (found: ${otherVersions.join(', ')})` : '';
      return failure('malformed_signature', `${names.signature} has no "v1,<base64>" entry${found}`);
    }
    if (v1.length === 0) {
      return failure('malformed_signature', `${names.signature} v1 entries are not base64`);
    }

    const expected = hmacSha256(key, `${id}.${timestampText}.`, rawBody);
    const problem =
      checkSignatures(v1, expected, names.signature, '"<id>.<timestamp>.<raw body>"') ??
      checkTimestampWindow(timestamp.seconds, now, toleranceSec, `${names.timestamp} ${timestamp.seconds}`);
    return problem ?? { ok: true, timestamp: new Date(timestamp.seconds * 1000) };
  },

  // The id of the header set that carries the signature: a second set's id is not signed.
  signedDeliveryId(headers) {
    const names = pickHeaderSet(headers);
    return names ? (getHeader(headers, names.id) ?? null) : null;
  },

  sign({ secret, rawBody, now, id }) {
    const key = decodeStandardWebhooksSecret(secret);
    if (!key) throw new Error(`cannot sign the webhook: ${invalidSecretMessage}`);
    const messageId = id ?? `msg_${randomUUID().replaceAll('-', '')}`;
    const timestamp = String(unixSeconds(now));
    const digest = hmacSha256(key, `${messageId}.${timestamp}.`, rawBody);
    return {
      'webhook-id': messageId,
      'webhook-timestamp': timestamp,
      'webhook-signature': `v1,${encodeBase64(digest)}`,
    };
  },
};
