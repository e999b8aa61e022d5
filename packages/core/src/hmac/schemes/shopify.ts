import { randomUUID } from 'node:crypto';
import { decodeBase64, encodeBase64, truncateForMessage } from '../encoding.js';
import { getFirstHeader } from '../headers.js';
import { hmacSha256 } from '../hmac-sha256.js';
import { failure } from '../result.js';
import { assertSigningSecret, checkSecretPresent } from '../secret.js';
import { checkSignatures } from '../signature-match.js';
import type { SchemeImpl } from '../types.js';

// Shopify Events deliveries use the same algorithm under names without the X- prefix.
const signatureHeaders = ['X-Shopify-Hmac-Sha256', 'Shopify-Hmac-Sha256'] as const;
const deliveryHeader = 'X-Shopify-Webhook-Id';

/** Shopify: `X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256 of the raw body>`. */
export const shopifyScheme: SchemeImpl = {
  verify({ secret, headers, rawBody }) {
    const secretProblem = checkSecretPresent(secret);
    if (secretProblem) return secretProblem;
    const found = getFirstHeader(headers, signatureHeaders);
    if (!found) return failure('missing_signature', `${signatureHeaders[0]} header is missing`);
    const digest = decodeBase64(found.value);
    if (!digest) {
      return failure(
        'malformed_signature',
        `${found.name} "${truncateForMessage(found.value)}" is not base64; expected the base64 HMAC-SHA256 of the body`,
      );
    }
    const problem = checkSignatures([digest], hmacSha256(secret, rawBody), found.name, 'the raw body');
    return problem ?? { ok: true, timestamp: null };
  },

  sign({ secret, rawBody, id }) {
    assertSigningSecret(secret);
    return {
      [signatureHeaders[0]]: encodeBase64(hmacSha256(secret, rawBody)),
      [deliveryHeader]: id ?? randomUUID(),
    };
  },
};
