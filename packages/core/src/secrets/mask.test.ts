import { describe, expect, it } from 'vitest';
import { maskSecret } from './mask.js';

describe('maskSecret', () => {
  it('keeps a known prefix and at most the last 4 characters', () => {
    expect(maskSecret('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw1a1b2')).toBe('whsec_…a1b2');
    expect(maskSecret('sk_live_51HxYzAbCdEfGhIjKlMn9z8y')).toBe('sk_live_…9z8y');
    expect(maskSecret('xoxb-1234567890-abcdefghijkl')).toBe('xoxb-…ijkl');
  });

  it('shows only the tail of an unprefixed secret', () => {
    expect(maskSecret('9f86d081884c7d659a2feaa0c55ad015')).toBe('…d015');
  });

  it('does not mistake the start of a random secret for a prefix', () => {
    expect(maskSecret('abc_defghijklmnopqrstuvwxyz')).toBe('…wxyz');
  });

  it('masks short secrets entirely', () => {
    expect(maskSecret('hunter2')).toBe('…');
    expect(maskSecret('123456789012345')).toBe('…');
    expect(maskSecret('whsec_short')).toBe('whsec_…');
    expect(maskSecret('')).toBe('');
  });

  it('never reveals more than 4 characters of the secret part', () => {
    const secret = `${'a'.repeat(15)}bcdefgh`;
    const masked = maskSecret(secret);
    expect(masked).toBe('…efgh');
    expect(masked.replace('…', '').length).toBeLessThanOrEqual(4);
  });
});
