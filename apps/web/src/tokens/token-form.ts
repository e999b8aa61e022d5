/**
 * The choices of the new-token form: the scopes and expiries a token may hand on. The server
 * decides (core's `mintRefusal`); the form offers only what it would accept.
 */
import { API_TOKEN_SCOPES, type ApiTokenGrant, type ApiTokenScope, scopeAllows } from '@weft/core';

export const SCOPE_DESCRIPTIONS: Record<ApiTokenScope, string> = {
  admin: 'everything, and minting and revoking tokens',
  editor: 'everything but tokens: build, publish, run, manage apps and connections',
  'read-only': 'look only: lists, runs, deliveries and live updates; no changes',
};

/** The scopes a token of scope `own` may mint, widest first. */
export function mintableScopes(own: ApiTokenScope): ApiTokenScope[] {
  return API_TOKEN_SCOPES.filter((scope) => scopeAllows(own, scope));
}

const DAY_MS = 24 * 60 * 60 * 1000;

export interface ExpiryChoice {
  readonly id: string;
  readonly label: string;
  /** null: never expires. */
  readonly expiresAt: Date | null;
}

/**
 * Never (only when the minting token never expires), 1, 7, 30 or 90 days (those ending before the
 * minting token does), and, for a token that expires, "when this token expires".
 */
export function expiryChoices(own: Pick<ApiTokenGrant, 'expiresAt'>, now: Date): ExpiryChoice[] {
  const choices: ExpiryChoice[] = [];
  if (!own.expiresAt) choices.push({ id: 'never', label: 'Never', expiresAt: null });
  for (const days of [1, 7, 30, 90]) {
    const expiresAt = new Date(now.getTime() + days * DAY_MS);
    if (own.expiresAt && expiresAt.getTime() > own.expiresAt.getTime()) continue;
    choices.push({ id: `${days}d`, label: `In ${days} day${days === 1 ? '' : 's'}`, expiresAt });
  }
  if (own.expiresAt) choices.push({ id: 'own', label: 'When this token expires', expiresAt: own.expiresAt });
  return choices;
}
