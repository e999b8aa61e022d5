import { z } from 'zod';

/**
 * Webhook signature schemes Weft can verify, and the settings an app stores for them.
 * Browser-safe: the editor renders the settings form from `signatureConfigSchema` and the
 * scheme descriptions from `signatureSchemeInfo`. The node-only verifier lives in `./hmac`.
 */

export const signatureSchemes = [
  'generic',
  'github',
  'stripe',
  'standard-webhooks',
  'slack',
  'shopify',
] as const;

export const signatureSchemeSchema = z.enum(signatureSchemes, {
  error: `scheme must be one of: ${signatureSchemes.join(', ')}`,
});

export type SignatureScheme = z.infer<typeof signatureSchemeSchema>;

export const DEFAULT_TOLERANCE_SEC = 300;
export const MAX_TOLERANCE_SEC = 86_400;
export const GENERIC_DEFAULT_HEADER = 'x-signature';
export const GENERIC_DEFAULT_PREFIX = 'sha256=';

export const verificationFailureReasons = [
  'missing_signature',
  'malformed_signature',
  'signature_mismatch',
  'missing_timestamp',
  'malformed_timestamp',
  'timestamp_out_of_window',
  'invalid_secret',
] as const;

export const verificationFailureReasonSchema = z.enum(verificationFailureReasons);

export type VerificationFailureReason = z.infer<typeof verificationFailureReasonSchema>;

export interface SignatureSchemeInfo {
  readonly title: string;
  readonly description: string;
  /** Headers the scheme reads to verify a request (the generic scheme's is configurable). */
  readonly headers: readonly string[];
  /** Headers that carry the partner's delivery id, first match wins. */
  readonly deliveryIdHeaders: readonly string[];
  readonly hasTimestamp: boolean;
  /** Whether `header` / `prefix` may be set in the config. */
  readonly configurableHeader: boolean;
  /** What the secret looks like, for the connection form. */
  readonly secretHint: string;
}

export const signatureSchemeInfo = {
  generic: {
    title: 'Generic HMAC-SHA256',
    description:
      'HMAC-SHA256 of the raw body as lowercase hex, in a header of your choice with an optional prefix (default x-signature: sha256=<hex>). No timestamp, so no replay protection beyond delivery-id deduplication.',
    headers: [GENERIC_DEFAULT_HEADER],
    deliveryIdHeaders: [],
    hasTimestamp: false,
    configurableHeader: true,
    secretHint: 'Any shared secret string',
  },
  github: {
    title: 'GitHub',
    description:
      'X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>. Delivery id in X-GitHub-Delivery.',
    headers: ['X-Hub-Signature-256'],
    deliveryIdHeaders: ['X-GitHub-Delivery'],
    hasTimestamp: false,
    configurableHeader: false,
    secretHint: "The webhook's secret as entered in GitHub",
  },
  stripe: {
    title: 'Stripe',
    description:
      'Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">; any v1 may match. The event id in the JSON body is the delivery id.',
    headers: ['Stripe-Signature'],
    deliveryIdHeaders: [],
    hasTimestamp: true,
    configurableHeader: false,
    secretHint: 'The endpoint signing secret, whsec_…',
  },
  'standard-webhooks': {
    title: 'Standard Webhooks (Svix)',
    description:
      'webhook-id, webhook-timestamp and webhook-signature (space-separated v1,<base64> entries) over "id.timestamp.body"; the svix-* header names are accepted too.',
    headers: ['webhook-id', 'webhook-timestamp', 'webhook-signature'],
    deliveryIdHeaders: ['webhook-id', 'svix-id'],
    hasTimestamp: true,
    configurableHeader: false,
    secretHint: 'whsec_<base64 key> (or the base64 key alone)',
  },
  slack: {
    title: 'Slack',
    description:
      'X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:timestamp:body"> with X-Slack-Request-Timestamp. Slack sends no delivery id header.',
    headers: ['X-Slack-Signature', 'X-Slack-Request-Timestamp'],
    deliveryIdHeaders: [],
    hasTimestamp: true,
    configurableHeader: false,
    secretHint: "The app's signing secret (Basic Information page)",
  },
  shopify: {
    title: 'Shopify',
    description:
      'X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256 of the raw body>. Delivery id in X-Shopify-Webhook-Id. No timestamp. The Shopify-* names of Shopify Events are accepted too.',
    headers: ['X-Shopify-Hmac-Sha256', 'Shopify-Hmac-Sha256'],
    deliveryIdHeaders: ['X-Shopify-Webhook-Id', 'Shopify-Webhook-Id'],
    hasTimestamp: false,
    configurableHeader: false,
    secretHint: "The app's client secret (or the store's webhook signing secret)",
  },
} as const satisfies Record<SignatureScheme, SignatureSchemeInfo>;

/**
 * What stops a captured request from being sent again, for the app form: a signed timestamp
 * bounds a replay to the tolerance window; without one, only the body hash in the dedupe key
 * (unsigned delivery id + SHA-256 of the body) recognises it.
 */
export function replayProtectionNote(scheme: SignatureScheme): string {
  if (signatureSchemeInfo[scheme].hasTimestamp) {
    return 'Signed timestamp: a captured request is refused once it is older than the tolerance.';
  }
  return 'No signed timestamp: replays are only caught by body hash. A captured request sent again with the same delivery id and body is answered as a duplicate; sent with another id it is accepted as new. The delivery id is not signed, so a request reusing an id with a different body is stored too and flagged as an id conflict.';
}

// RFC 9110 "token": the characters allowed in a header field name.
const headerNamePattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const headerNameSchema = (field: string) =>
  z
    .string({ error: `${field} must be a string` })
    .trim()
    .min(1, { error: `${field} must not be empty`, abort: true })
    .max(100, { error: `${field} must be at most 100 characters` })
    .regex(headerNamePattern, {
      error: `${field} must be an HTTP header name (letters, digits and !#$%&'*+.^_\`|~- only, no spaces or colons)`,
    });

export const signatureConfigSchema = z
  .object({
    scheme: signatureSchemeSchema.describe('How the partner signs its webhooks'),
    header: headerNameSchema('header')
      .optional()
      .describe(`generic only: the header carrying the signature (default ${GENERIC_DEFAULT_HEADER})`),
    prefix: z
      .string({ error: 'prefix must be a string' })
      .max(32, { error: 'prefix must be at most 32 characters' })
      .regex(/^\S*$/, { error: 'prefix must not contain whitespace' })
      .optional()
      .describe(
        `generic only: text before the hex digest in the header (default ${GENERIC_DEFAULT_PREFIX}; empty for none)`,
      ),
    toleranceSec: z
      .int({ error: 'toleranceSec must be a whole number of seconds' })
      .min(0, { error: 'toleranceSec must be at least 0' })
      .max(MAX_TOLERANCE_SEC, { error: `toleranceSec must be at most ${MAX_TOLERANCE_SEC} (24 hours)` })
      .default(DEFAULT_TOLERANCE_SEC)
      .describe(
        'For schemes with a signed timestamp: how far (seconds) it may be from our clock, in either direction. 0 means the same second.',
      ),
    idHeader: headerNameSchema('idHeader')
      .optional()
      .describe("Header holding the partner's delivery id; overrides the scheme's own id header"),
    challengeParam: z
      .string({ error: 'challengeParam must be a string' })
      .trim()
      .min(1, { error: 'challengeParam must not be empty', abort: true })
      .max(100, { error: 'challengeParam must be at most 100 characters' })
      .regex(/^[A-Za-z0-9._~-]+$/, {
        error: 'challengeParam must be a query parameter name (letters, digits and . _ ~ - only)',
      })
      .optional()
      .describe(
        'GET verification for partners that use one: the query parameter whose value a GET to the webhook URL gets back as text (e.g. hub.challenge); unset: GET is refused',
      ),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.scheme === 'generic') return;
    for (const field of ['header', 'prefix'] as const) {
      if (config[field] !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `${field} is only used by the generic scheme; ${config.scheme} always reads ${signatureSchemeInfo[config.scheme].headers.join(', ')}`,
        });
      }
    }
  });

/** Parsed settings (defaults applied). */
export type SignatureConfig = z.infer<typeof signatureConfigSchema>;
/** Settings as written by a user or stored before parsing (defaults not yet applied). */
export type SignatureConfigInput = z.input<typeof signatureConfigSchema>;
