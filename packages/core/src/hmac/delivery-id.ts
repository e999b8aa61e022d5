import type { SignatureConfigInput } from '../signature-schemes.js';
import { getFirstHeader, getHeader, type HeaderBag } from './headers.js';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

export interface DeliveryIdSources {
  /** The scheme's own id headers, in order of preference. */
  schemeHeaders: readonly string[];
  /** The scheme's id from the body (Stripe's event id), when available. */
  fromBody: (() => string | null) | undefined;
}

/**
 * Precedence: the app's `idHeader` override, the scheme's id header, the scheme's id in the
 * body, the generic `Idempotency-Key` header; null means "hash the body" (the caller's job).
 */
export function findDeliveryId(
  config: Pick<SignatureConfigInput, 'idHeader'>,
  headers: HeaderBag,
  sources: DeliveryIdSources,
): string | null {
  if (config.idHeader) {
    const override = getHeader(headers, config.idHeader);
    if (override !== undefined) return override;
  }
  const fromScheme = getFirstHeader(headers, sources.schemeHeaders);
  if (fromScheme) return fromScheme.value;
  const fromBody = sources.fromBody?.();
  if (fromBody) return fromBody;
  return getHeader(headers, IDEMPOTENCY_KEY_HEADER) ?? null;
}
