import { GENERIC_DEFAULT_HEADER, GENERIC_DEFAULT_PREFIX } from '../../signature-schemes.js';
import { encodeHex } from '../encoding.js';
import { hmacSha256 } from '../hmac-sha256.js';
import { readPrefixedHexHeader } from '../prefixed-hex.js';
import { assertSigningSecret, checkSecretPresent } from '../secret.js';
import { checkSignatures } from '../signature-match.js';
import type { SchemeImpl } from '../types.js';

/** HMAC-SHA256 hex of the raw body in a configurable header, default `x-signature: sha256=<hex>`. */
export const genericScheme: SchemeImpl = {
  verify({ config, secret, headers, rawBody }) {
    const headerName = config.header ?? GENERIC_DEFAULT_HEADER;
    const prefix = config.prefix ?? GENERIC_DEFAULT_PREFIX;
    const secretProblem = checkSecretPresent(secret);
    if (secretProblem) return secretProblem;
    const read = readPrefixedHexHeader(headers, headerName, prefix);
    if (!read.ok) return read;
    const problem = checkSignatures([read.digest], hmacSha256(secret, rawBody), headerName, 'the raw body');
    return problem ?? { ok: true, timestamp: null };
  },

  sign({ config, secret, rawBody }) {
    assertSigningSecret(secret);
    const headerName = config.header ?? GENERIC_DEFAULT_HEADER;
    const prefix = config.prefix ?? GENERIC_DEFAULT_PREFIX;
    return { [headerName]: `${prefix}${encodeHex(hmacSha256(secret, rawBody))}` };
  },
};
