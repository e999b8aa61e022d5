import { type ApiTokenScope, isTokenExpired, scopeAllows, type ApiTokenGrant } from '@weft/core';
import { findActiveToken, type Models, tokenGrant, touchApiToken } from '@weft/db';
import type { ObjectId } from './ids.js';

export interface Principal {
  readonly workspaceId: ObjectId;
  readonly tokenId: ObjectId;
  /** What the token may do and until when. */
  readonly grant: ApiTokenGrant;
}

export type AuthResult =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly message: string };

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}

export const MISSING_TOKEN_MESSAGE = 'authentication required: send "Authorization: Bearer weft_…"';
export const INVALID_TOKEN_MESSAGE = 'the bearer token is unknown or revoked';
export const EXPIRED_TOKEN_MESSAGE = 'token expired: ask an admin for a new token';

const TOUCH_EVERY_MS = 60_000;
const lastTouched = new Map<string, number>();

/**
 * Records a token's use (`lastUsedAt`) at most once a minute per token and process, in the
 * background: authentication stays one read on the hot path, and a failed write costs nothing.
 */
function touch(models: Models, tokenId: ObjectId): void {
  const key = tokenId.toHexString();
  const now = Date.now();
  if (now - (lastTouched.get(key) ?? 0) < TOUCH_EVERY_MS) return;
  lastTouched.set(key, now);
  if (lastTouched.size > 10_000) lastTouched.clear();
  touchApiToken(models, tokenId).catch(() => lastTouched.delete(key));
}

/** Resolves a presented bearer token, unless expired at `now`, to the workspace it acts for. */
export async function authenticate(models: Models, token: string | null, now: Date): Promise<AuthResult> {
  if (!token) return { ok: false, message: MISSING_TOKEN_MESSAGE };
  const found = await findActiveToken(models, token);
  if (!found) return { ok: false, message: INVALID_TOKEN_MESSAGE };
  const grant = tokenGrant(found);
  if (isTokenExpired(grant.expiresAt, now)) return { ok: false, message: EXPIRED_TOKEN_MESSAGE };
  touch(models, found._id);
  return { ok: true, principal: { workspaceId: found.workspaceId, tokenId: found._id, grant } };
}

/** Why a token of scope `held` may not do what needs `needed` (the FORBIDDEN message), or null. */
export function scopeRefusal(held: ApiTokenScope, needed: ApiTokenScope): string | null {
  if (scopeAllows(held, needed)) return null;
  return `this needs a token of scope "${needed}"${needed === 'admin' ? '' : ' or wider'}; this token's scope is "${held}"`;
}
