import { createHash } from 'node:crypto';
import type { SignatureConfig } from '@weft/core';
import { findWebhookDeliveryId, type HeaderBag } from '@weft/core/hmac';

export type DeliveryIdSource = 'scheme' | 'idempotency_key' | 'body_hash';

export interface DeliveryIdentity {
  readonly deliveryId: string;
  readonly source: DeliveryIdSource;
  /** What makes a later request the same delivery (see `WebhookDeliveryDoc.dedupeKey`). */
  readonly dedupeKey: string;
}

/** Stored ids are at most this long; a longer one is replaced by its hash. */
const MAX_ID_LENGTH = 256;

function sha256(data: string | Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function bounded(id: string): string {
  return id.length <= MAX_ID_LENGTH ? id : sha256(id);
}

/**
 * Which delivery this is, for deduplication: the scheme's id (the one its signature covers, else
 * the app's `idHeader` or the scheme's id header), else the `Idempotency-Key` header, else the
 * SHA-256 of the raw body (a partner's byte-identical retry is then recognised too). An id the
 * signature does not cover could be put on a captured body by anyone, so it identifies a delivery
 * only together with the body's hash: a replay with the id of an upcoming delivery does not make
 * that delivery a duplicate, and a byte-identical retry still is one.
 */
export function identifyDelivery(
  signature: Pick<SignatureConfig, 'scheme' | 'idHeader'>,
  headers: HeaderBag,
  rawBody: Uint8Array,
): DeliveryIdentity {
  const bodyHash = sha256(rawBody);
  const found = findWebhookDeliveryId(signature, headers, rawBody);
  if (!found) return { deliveryId: bodyHash, source: 'body_hash', dedupeKey: bodyHash };
  const deliveryId = bounded(found.id);
  return {
    deliveryId,
    source: found.from,
    dedupeKey: found.signed ? deliveryId : `${deliveryId} ${bodyHash}`,
  };
}
