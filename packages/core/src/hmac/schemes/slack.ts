import { encodeHex } from '../encoding.js';
import { getHeader } from '../headers.js';
import { hmacSha256 } from '../hmac-sha256.js';
import { readPrefixedHexHeader } from '../prefixed-hex.js';
import { failure } from '../result.js';
import { assertSigningSecret, checkSecretPresent } from '../secret.js';
import { checkSignatures } from '../signature-match.js';
import { checkTimestampWindow, parseUnixSeconds, unixSeconds } from '../timestamp.js';
import type { SchemeImpl } from '../types.js';

const signatureHeader = 'X-Slack-Signature';
const timestampHeader = 'X-Slack-Request-Timestamp';
const version = 'v0';

/** Slack: `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:<timestamp>:<body>">`. */
export const slackScheme: SchemeImpl = {
  verify({ secret, headers, rawBody, now, toleranceSec }) {
    const secretProblem = checkSecretPresent(secret);
    if (secretProblem) return secretProblem;
    const read = readPrefixedHexHeader(headers, signatureHeader, `${version}=`);
    if (!read.ok) return read;
    const timestampText = getHeader(headers, timestampHeader);
    if (timestampText === undefined)
      return failure('missing_timestamp', `${timestampHeader} header is missing`);
    const timestamp = parseUnixSeconds(timestampText, timestampHeader);
    if (!timestamp.ok) return timestamp;

    const expected = hmacSha256(secret, `${version}:${timestampText}:`, rawBody);
    const problem =
      checkSignatures([read.digest], expected, signatureHeader, '"v0:<timestamp>:<raw body>"') ??
      checkTimestampWindow(timestamp.seconds, now, toleranceSec, `${timestampHeader} ${timestamp.seconds}`);
    return problem ?? { ok: true, timestamp: new Date(timestamp.seconds * 1000) };
  },

  sign({ secret, rawBody, now }) {
    assertSigningSecret(secret);
    const timestamp = String(unixSeconds(now));
    const digest = hmacSha256(secret, `${version}:${timestamp}:`, rawBody);
    return { [timestampHeader]: timestamp, [signatureHeader]: `${version}=${encodeHex(digest)}` };
  },
};
