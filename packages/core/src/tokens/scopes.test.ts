import { describe, expect, it } from 'vitest';
import { createApiTokenInput } from '../schemas/inputs.js';
import { isTokenExpired, mintRefusal, scopeAllows, scopeForCall } from './scopes.js';

const now = new Date('2026-06-01T12:00:00Z');
const later = (ms: number) => new Date(now.getTime() + ms);

describe('token scopes', () => {
  it('orders admin over editor over read-only', () => {
    expect(scopeAllows('admin', 'admin')).toBe(true);
    expect(scopeAllows('admin', 'read-only')).toBe(true);
    expect(scopeAllows('editor', 'admin')).toBe(false);
    expect(scopeAllows('editor', 'editor')).toBe(true);
    expect(scopeAllows('read-only', 'editor')).toBe(false);
    expect(scopeAllows('read-only', 'read-only')).toBe(true);
  });

  it('mutations need editor, queries and subscriptions read-only', () => {
    expect(scopeForCall('mutation')).toBe('editor');
    expect(scopeForCall('query')).toBe('read-only');
    expect(scopeForCall('subscription')).toBe('read-only');
  });

  it('never mints a wider scope', () => {
    expect(
      mintRefusal({ scope: 'editor', expiresAt: null }, { scope: 'admin', expiresAt: null }, now),
    ).toMatch(/^scope: .*"editor".*"admin"/);
    expect(
      mintRefusal({ scope: 'admin', expiresAt: null }, { scope: 'read-only', expiresAt: null }, now),
    ).toBeNull();
  });

  it('never mints an expiry later than its own, none, or one already past', () => {
    const minter = { scope: 'admin' as const, expiresAt: later(60_000) };
    expect(mintRefusal(minter, { scope: 'admin', expiresAt: null }, now)).toMatch(
      /^expiresAt: .*must expire too/,
    );
    expect(mintRefusal(minter, { scope: 'admin', expiresAt: later(60_001) }, now)).toMatch(
      /^expiresAt: .*outlive/,
    );
    expect(mintRefusal(minter, { scope: 'admin', expiresAt: later(60_000) }, now)).toBeNull();
    expect(mintRefusal({ scope: 'admin', expiresAt: null }, { scope: 'admin', expiresAt: now }, now)).toMatch(
      /^expiresAt: .*past/,
    );
  });

  it('expires at the instant given', () => {
    expect(isTokenExpired(null, now)).toBe(false);
    expect(isTokenExpired(undefined, now)).toBe(false);
    expect(isTokenExpired(later(1), now)).toBe(false);
    expect(isTokenExpired(now, now)).toBe(true);
  });

  it('the create input names a bad scope', () => {
    const parsed = createApiTokenInput.safeParse({ name: 'ci', scope: 'root' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toContain('"read-only"');
    expect(createApiTokenInput.safeParse({ name: 'ci', scope: 'editor' }).success).toBe(true);
  });
});
