import { randomUUID } from 'node:crypto';
import { encodeHex } from '../encoding.js';
import { hmacSha256 } from '../hmac-sha256.js';
import { readPrefixedHexHeader } from '../prefixed-hex.js';
import { assertSigningSecret, checkSecretPresent } from '../secret.js';
import { checkSignatures } from '../signature-match.js';
import type { SchemeImpl } from '../types.js';

const signatureHeader = 'X-Hub-Signature-256';
const deliveryHeader = 'X-GitHub-Delivery';
const prefix = 'sha256=';

/** GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`. */
export const githubScheme: SchemeImpl = {
  verify({ secret, headers, rawBody }) {
    const secretProblem = checkSecretPresent(secret);
    if (secretProblem) return secretProblem;
    const read = readPrefixedHexHeader(headers, signatureHeader, prefix);
    if (!read.ok) return read;
    const problem = checkSignatures(
      [read.digest],
      hmacSha256(secret, rawBody),
      signatureHeader,
      'the raw body',
    );
    return problem ?? { ok: true, timestamp: null };
  },

  sign({ secret, rawBody, id }) {
    assertSigningSecret(secret);
    return {
      [signatureHeader]: `${prefix}${encodeHex(hmacSha256(secret, rawBody))}`,
      [deliveryHeader]: id ?? randomUUID(),
    };
  },
};
