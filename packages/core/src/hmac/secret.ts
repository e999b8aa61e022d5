import { decodeBase64 } from './encoding.js';
import { failure } from './result.js';
import type { VerificationFailure } from './types.js';

export function checkSecretPresent(secret: string): VerificationFailure | null {
  if (typeof secret === 'string' && secret.length > 0) return null;
  return failure('invalid_secret', "the webhook secret is empty; set it on the app's connection");
}

const standardWebhooksPrefix = 'whsec_';

/**
 * Standard Webhooks keys are `whsec_<base64>`; the key is the decoded base64 part.
 * The bare base64 form is accepted too. Null when it is not valid base64 or empty.
 */
export function decodeStandardWebhooksSecret(secret: string): Uint8Array | null {
  if (typeof secret !== 'string') return null;
  const encoded = secret.startsWith(standardWebhooksPrefix)
    ? secret.slice(standardWebhooksPrefix.length)
    : secret;
  const key = decodeBase64(encoded.trim());
  return key && key.length > 0 ? key : null;
}

/** Signing with a missing secret is a configuration bug on our side, not a partner's fault. */
export function assertSigningSecret(secret: string): void {
  const problem = checkSecretPresent(secret);
  if (problem) throw new Error(`cannot sign the webhook: ${problem.message}`);
}
