import { GENERIC_DEFAULT_HEADER, type SignatureConfig, signatureSchemeInfo } from '@weft/core';
import type { HeaderBag } from '@weft/core/hmac';

export const REDACTED = '[redacted]';

/** Headers that carry credentials of their own. */
const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
  'apikey',
  'x-auth-token',
  'x-access-token',
  'x-csrf-token',
  'x-xsrf-token',
  'x-amz-security-token',
]);

/** Any other header whose name suggests a credential (`X-Shopify-Access-Token`, `X-Client-Secret` …). */
const SECRET_NAME = /secret|token|passw(or)?d|api[-_]?key|credential|session/i;

/** The signature headers of the app's scheme: kept, they are what a person debugging a 401 needs. */
export function signatureHeaderNames(signature: Pick<SignatureConfig, 'scheme' | 'header'>): Set<string> {
  const names = new Set<string>(signatureSchemeInfo[signature.scheme].headers.map((h) => h.toLowerCase()));
  for (const name of signatureSchemeInfo[signature.scheme].deliveryIdHeaders) names.add(name.toLowerCase());
  if (signature.scheme === 'generic') names.add((signature.header ?? GENERIC_DEFAULT_HEADER).toLowerCase());
  if (signature.scheme === 'standard-webhooks') {
    for (const name of ['svix-id', 'svix-timestamp', 'svix-signature']) names.add(name);
  }
  if (signature.scheme === 'shopify') names.add('shopify-webhook-id');
  return names;
}

/** MongoDB field names may not start with `$` and dots read as paths: such (rare) names are escaped. */
function storableName(name: string): string {
  return name.replace(/\./g, '_').replace(/^\$/, '_');
}

/**
 * The request headers as stored with a delivery and handed to runs: one string per header
 * (repeated headers joined with ", "), credentials replaced by `[redacted]`, signature headers kept.
 */
export function redactHeaders(
  headers: HeaderBag,
  signature: Pick<SignatureConfig, 'scheme' | 'header'>,
): Record<string, string> {
  const keep = signatureHeaderNames(signature);
  const out: Record<string, string> = {};
  for (const [rawName, rawValue] of Object.entries(headers)) {
    if (rawValue === undefined) continue;
    const name = storableName(rawName.toLowerCase());
    const value = Array.isArray(rawValue) ? rawValue.join(', ') : rawValue;
    const secret = !keep.has(name) && (SECRET_HEADERS.has(name) || SECRET_NAME.test(name));
    out[name] = secret ? REDACTED : value;
  }
  return out;
}
