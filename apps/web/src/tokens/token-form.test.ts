import { describe, expect, it } from 'vitest';
import { expiryChoices, mintableScopes } from './token-form';

const now = new Date('2026-06-01T12:00:00Z');

describe('the new-token form', () => {
  it('offers the scopes a token may mint', () => {
    expect(mintableScopes('admin')).toEqual(['admin', 'editor', 'read-only']);
    expect(mintableScopes('editor')).toEqual(['editor', 'read-only']);
  });

  it('offers never and every period to a token that never expires', () => {
    expect(expiryChoices({ expiresAt: null }, now).map((c) => c.id)).toEqual([
      'never',
      '1d',
      '7d',
      '30d',
      '90d',
    ]);
  });

  it('offers only expiries up to its own to a token that expires', () => {
    const own = new Date(now.getTime() + 10 * 24 * 60 * 60 * 1000);
    const choices = expiryChoices({ expiresAt: own }, now);
    expect(choices.map((c) => c.id)).toEqual(['1d', '7d', 'own']);
    expect(choices.at(-1)?.expiresAt).toEqual(own);
  });
});
