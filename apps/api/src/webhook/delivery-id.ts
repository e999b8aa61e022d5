import { createHash } from 'node:crypto';
import type { SignatureConfig } from '@weft/core';
import { extractDeliveryId, getHeader, type HeaderBag, IDEMPOTENCY_KEY_HEADER } from '@weft/core/hmac';

export type DeliveryIdSource = 'scheme' | 'idempotency_key' | 'body_hash';

export interface DeliveryIdentity {
  readonly deliveryId: string;
  readonly source: DeliveryIdSource;
}

/** Stored ids are at most this long; a longer one is replaced by its hash. */
const MAX_ID_LENGTH = 256;

function bounded(id: string): string {
  return id.length <= MAX_ID_LENGTH ? id : `sha256:${createHash('sha256').update(id).digest('hex')}`;
}

/**
 * Which delivery this is, for deduplication: the scheme's id (its header, the app's `idHeader`, or
 * Stripe's event id in the body), else the `Idempotency-Key` header, else the SHA-256 of the raw
 * body (a partner's byte-identical retry is then recognised too).
 */
export function identifyDelivery(
  signature: Pick<SignatureConfig, 'scheme' | 'idHeader'>,
  headers: HeaderBag,
  rawBody: Uint8Array,
): DeliveryIdentity {
  const withoutIdempotencyKey: Record<string, string | string[] | undefined> = {};
  const idempotencyLower = IDEMPOTENCY_KEY_HEADER.toLowerCase();
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() !== idempotencyLower) withoutIdempotencyKey[name] = value;
  }
  const fromScheme = extractDeliveryId(signature, withoutIdempotencyKey, rawBody);
  if (fromScheme) return { deliveryId: bounded(fromScheme), source: 'scheme' };
  const idempotencyKey = getHeader(headers, IDEMPOTENCY_KEY_HEADER);
  if (idempotencyKey) return { deliveryId: bounded(idempotencyKey), source: 'idempotency_key' };
  return {
    deliveryId: `sha256:${createHash('sha256').update(rawBody).digest('hex')}`,
    source: 'body_hash',
  };
}
