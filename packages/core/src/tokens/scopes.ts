import { z } from 'zod';

/**
 * What an API token may do, widest first: `admin` mints and revokes tokens, `editor` does
 * everything else, `read-only` calls queries and subscriptions only.
 */
export const API_TOKEN_SCOPES = ['admin', 'editor', 'read-only'] as const;
export type ApiTokenScope = (typeof API_TOKEN_SCOPES)[number];

export const apiTokenScopeSchema = z.enum(API_TOKEN_SCOPES, {
  error: `scope must be one of ${API_TOKEN_SCOPES.map((s) => `"${s}"`).join(', ')}`,
});

/** Tokens stored before scopes existed carry none: they keep the full rights they had. */
export const LEGACY_TOKEN_SCOPE: ApiTokenScope = 'admin';

const RANK: Record<ApiTokenScope, number> = { admin: 2, editor: 1, 'read-only': 0 };

/** Whether a token of scope `held` may do what needs `needed`. */
export function scopeAllows(held: ApiTokenScope, needed: ApiTokenScope): boolean {
  return RANK[held] >= RANK[needed];
}

/** The scope a call needs: mutations change things (editor), queries and subscriptions read. */
export function scopeForCall(type: 'query' | 'mutation' | 'subscription'): ApiTokenScope {
  return type === 'mutation' ? 'editor' : 'read-only';
}

export interface ApiTokenGrant {
  readonly scope: ApiTokenScope;
  /** null: never expires. */
  readonly expiresAt: Date | null;
}

/**
 * Why a token holding `minter` may not mint `requested`, or null when it may: never a wider
 * scope, never an expiry later than the minter's own (nor none when the minter has one), never
 * one already past.
 */
export function mintRefusal(minter: ApiTokenGrant, requested: ApiTokenGrant, now: Date): string | null {
  if (!scopeAllows(minter.scope, requested.scope)) {
    return `scope: a token of scope "${minter.scope}" cannot mint a token of the wider scope "${requested.scope}"`;
  }
  if (requested.expiresAt && requested.expiresAt.getTime() <= now.getTime()) {
    return 'expiresAt: the expiry is in the past; choose a later one';
  }
  if (minter.expiresAt) {
    if (!requested.expiresAt) {
      return `expiresAt: this token expires at ${minter.expiresAt.toISOString()}, so a token it mints must expire too, no later than that`;
    }
    if (requested.expiresAt.getTime() > minter.expiresAt.getTime()) {
      return `expiresAt: a token it mints cannot outlive this token, which expires at ${minter.expiresAt.toISOString()}`;
    }
  }
  return null;
}

/** Whether a token with this expiry has expired at `now`. */
export function isTokenExpired(expiresAt: Date | null | undefined, now: Date): boolean {
  return expiresAt != null && expiresAt.getTime() <= now.getTime();
}
