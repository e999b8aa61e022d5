/**
 * Webhook signature verification and signing (node-only: uses node:crypto).
 * Public entry `@weft/core/hmac`. Scheme names, config schema and reason codes are
 * browser-safe and live in `../signature-schemes.ts`.
 */
import { randomUUID } from 'node:crypto';
import {
  DEFAULT_TOLERANCE_SEC,
  type SignatureConfigInput,
  type SignatureScheme,
  signatureSchemeInfo,
} from '../signature-schemes.js';
import { type FoundDeliveryId, findDeliveryId } from './delivery-id.js';
import { getFirstHeader, getHeader, type HeaderBag } from './headers.js';
import { genericScheme } from './schemes/generic.js';
import { githubScheme } from './schemes/github.js';
import { shopifyScheme } from './schemes/shopify.js';
import { slackScheme } from './schemes/slack.js';
import { standardWebhooksScheme } from './schemes/standard-webhooks.js';
import { stripeScheme } from './schemes/stripe.js';
import type { SchemeImpl, SignWebhookInput, VerificationResult, VerifyWebhookInput } from './types.js';

export { constantTimeEqual } from './constant-time.js';
export { type FoundDeliveryId, IDEMPOTENCY_KEY_HEADER } from './delivery-id.js';
export { getHeader, type HeaderBag } from './headers.js';
export type {
  SignWebhookInput,
  VerificationFailure,
  VerificationResult,
  VerificationSuccess,
  VerifyWebhookInput,
} from './types.js';

// Exhaustive on purpose: adding a scheme name without an implementation fails to compile.
const schemes: Record<SignatureScheme, SchemeImpl> = {
  generic: genericScheme,
  github: githubScheme,
  stripe: stripeScheme,
  'standard-webhooks': standardWebhooksScheme,
  slack: slackScheme,
  shopify: shopifyScheme,
};

function schemeFor(scheme: SignatureScheme): SchemeImpl {
  // Configs come from the database; an unknown name is a server-side bug, not a bad request.
  if (!Object.hasOwn(schemes, scheme)) throw new Error(`unknown signature scheme "${String(scheme)}"`);
  return schemes[scheme];
}

/**
 * Checks a partner's webhook against the app's signature settings. Never throws for bad
 * requests: every problem is a reason code plus a message naming the header at fault.
 */
export function verifyWebhook(input: VerifyWebhookInput): VerificationResult {
  const { config, secret, headers, rawBody } = input;
  const check = schemeFor(config.scheme).verify({
    config,
    secret,
    headers,
    rawBody,
    now: input.now ?? new Date(),
    toleranceSec: config.toleranceSec ?? DEFAULT_TOLERANCE_SEC,
  });
  if (!check.ok) return check;
  return { ok: true, deliveryId: extractDeliveryId(config, headers, rawBody), timestamp: check.timestamp };
}

/**
 * The headers a partner would send with `rawBody`. Throws when the secret cannot be used
 * (empty, or not a Standard Webhooks key): signing happens on our side, so that is a bug.
 */
export function signWebhook(input: SignWebhookInput): Record<string, string> {
  const { config } = input;
  const signed = schemeFor(config.scheme).sign({
    config,
    secret: input.secret,
    rawBody: input.rawBody,
    now: input.now ?? new Date(),
    id: input.id,
  });
  if (config.idHeader && getHeader(signed, config.idHeader) === undefined) {
    const schemeId = getFirstHeader(signed, signatureSchemeInfo[config.scheme].deliveryIdHeaders);
    signed[config.idHeader] = input.id ?? schemeId?.value ?? randomUUID();
  }
  return signed;
}

/**
 * The partner's delivery id: the one the signature covers (Standard Webhooks' webhook-id /
 * svix-id, or for Stripe the event `id` in the JSON body, only when `rawBody` is given: read it
 * after verifying), else `config.idHeader` if set and present, else the scheme's id header
 * (X-GitHub-Delivery, X-Shopify-Webhook-Id), else `Idempotency-Key`, else null, in which case
 * the caller hashes the body. `idHeader` never overrides a signed id: a replayed request could
 * otherwise choose its own.
 */
export function findWebhookDeliveryId(
  config: Pick<SignatureConfigInput, 'scheme' | 'idHeader'>,
  headers: HeaderBag,
  rawBody?: Uint8Array,
): FoundDeliveryId | null {
  const scheme = schemeFor(config.scheme);
  return findDeliveryId(config, headers, {
    schemeHeaders: signatureSchemeInfo[config.scheme].deliveryIdHeaders,
    signed: scheme.signedDeliveryId ? () => scheme.signedDeliveryId?.(headers, rawBody) ?? null : undefined,
  });
}

/** `findWebhookDeliveryId`'s id alone. */
export function extractDeliveryId(
  config: Pick<SignatureConfigInput, 'scheme' | 'idHeader'>,
  headers: HeaderBag,
  rawBody?: Uint8Array,
): string | null {
  return findWebhookDeliveryId(config, headers, rawBody)?.id ?? null;
}
