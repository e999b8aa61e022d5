import { Buffer } from 'node:buffer';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { type Keyring, keyMaterial } from './keyring.js';

/**
 * A resume link's token: `<payload>.<signature>`, both base64url. The payload names the run, the
 * waiting node (and item, inside a for-each body), when the link expires and which key signed it;
 * the signature is HMAC-SHA256 under a key derived from that keyring key, so a key rotation keeps
 * older links valid while their key is in the keyring. Single use is the database's job: the
 * wait it names can be resolved once.
 */
export interface ResumeClaims {
  readonly runId: string;
  readonly nodeId: string;
  readonly itemIndex?: number;
  readonly expiresAt: Date;
}

const payloadSchema = z
  .object({
    v: z.literal(1),
    k: z.string(),
    r: z.string(),
    n: z.string(),
    i: z.number().int().min(0).optional(),
    e: z.number().int(),
  })
  .strict();

export type ResumeTokenFailure = 'malformed' | 'bad_signature' | 'unknown_key' | 'expired';

export type ResumeTokenCheck =
  | { readonly ok: true; readonly claims: ResumeClaims }
  | { readonly ok: false; readonly reason: ResumeTokenFailure; readonly message: string };

/** Never the encryption key itself: a key of its own for signing links, derived from it. */
function signingKey(keyring: Keyring, keyId: string): Buffer | undefined {
  const material = keyMaterial(keyring, keyId);
  return material && createHmac('sha256', material).update('weft resume links v1').digest();
}

function sign(key: Buffer, payload: string): Buffer {
  return createHmac('sha256', key).update(payload).digest();
}

export function signResumeToken(keyring: Keyring, claims: ResumeClaims): string {
  const keyId = keyring.currentKeyId;
  const payload = Buffer.from(
    JSON.stringify({
      v: 1,
      k: keyId,
      r: claims.runId,
      n: claims.nodeId,
      ...(claims.itemIndex === undefined ? {} : { i: claims.itemIndex }),
      e: Math.ceil(claims.expiresAt.getTime() / 1000),
    }),
  ).toString('base64url');
  return `${payload}.${sign(signingKey(keyring, keyId)!, payload).toString('base64url')}`;
}

/** Checks a token's signature and expiry; the reason says what is wrong, never the key. */
export function verifyResumeToken(keyring: Keyring, token: string, now: Date): ResumeTokenCheck {
  const malformed = { ok: false, reason: 'malformed', message: 'the resume link is malformed' } as const;
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined) return malformed;
  let parsed: z.output<typeof payloadSchema>;
  try {
    const result = payloadSchema.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
    if (!result.success) return malformed;
    parsed = result.data;
  } catch {
    return malformed;
  }
  const key = signingKey(keyring, parsed.k);
  if (!key)
    return {
      ok: false,
      reason: 'unknown_key',
      message: 'the resume link was signed with a key this server no longer has',
    };
  const expected = sign(key, payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'bad_signature', message: 'the resume link is not signed by this server' };
  const expiresAt = new Date(parsed.e * 1000);
  if (now.getTime() >= expiresAt.getTime())
    return { ok: false, reason: 'expired', message: `the resume link expired at ${expiresAt.toISOString()}` };
  return {
    ok: true,
    claims: {
      runId: parsed.r,
      nodeId: parsed.n,
      ...(parsed.i === undefined ? {} : { itemIndex: parsed.i }),
      expiresAt,
    },
  };
}
