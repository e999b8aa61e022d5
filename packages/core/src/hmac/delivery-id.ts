import type { SignatureConfigInput } from '../signature-schemes.js';
import { getFirstHeader, getHeader, type HeaderBag } from './headers.js';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

export interface DeliveryIdSources {
  /** The scheme's own id headers, in order of preference. */
  schemeHeaders: readonly string[];
  /** The id the scheme's signature covers, when it signs one. */
  signed: (() => string | null) | undefined;
}

/** A partner's delivery id, and whether a forged request could have chosen it. */
export interface FoundDeliveryId {
  readonly id: string;
  /** Covered by the signature: a replay cannot carry another id with the same signed content. */
  readonly signed: boolean;
  readonly from: 'scheme' | 'idempotency_key';
}

/**
 * Precedence: the id the signature covers (never overridden), the app's `idHeader`, the
 * scheme's id header, the generic `Idempotency-Key` header; null means "hash the body" (the
 * caller's job).
 */
export function findDeliveryId(
  config: Pick<SignatureConfigInput, 'idHeader'>,
  headers: HeaderBag,
  sources: DeliveryIdSources,
): FoundDeliveryId | null {
  const signed = sources.signed?.();
  if (signed) return { id: signed, signed: true, from: 'scheme' };
  if (config.idHeader) {
    const override = getHeader(headers, config.idHeader);
    if (override !== undefined) return { id: override, signed: false, from: 'scheme' };
  }
  const fromScheme = getFirstHeader(headers, sources.schemeHeaders);
  if (fromScheme) return { id: fromScheme.value, signed: false, from: 'scheme' };
  const idempotencyKey = getHeader(headers, IDEMPOTENCY_KEY_HEADER);
  return idempotencyKey === undefined ? null : { id: idempotencyKey, signed: false, from: 'idempotency_key' };
}
