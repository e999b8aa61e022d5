import { describe, expect, it } from 'vitest';
import { clearToken, normalizeToken, readToken, TOKEN_KEY, tokenFormatProblem, writeToken } from './token-store';

function memoryStorage() {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (key: string) => map.get(key) ?? null,
    setItem: (key: string, value: string) => void map.set(key, value),
    removeItem: (key: string) => void map.delete(key),
  };
}

describe('token store', () => {
  it('writes, reads and clears the token', () => {
    const storage = memoryStorage();
    expect(readToken(storage)).toBeNull();
    writeToken('weft_abc', storage);
    expect(storage.map.get(TOKEN_KEY)).toBe('weft_abc');
    expect(readToken(storage)).toBe('weft_abc');
    clearToken(storage);
    expect(readToken(storage)).toBeNull();
  });

  it('tidies pasted tokens and explains malformed ones', () => {
    expect(normalizeToken('  Bearer weft_abc \n')).toBe('weft_abc');
    expect(tokenFormatProblem('')).toMatch(/Paste/);
    expect(tokenFormatProblem('abc')).toMatch(/weft_/);
    expect(tokenFormatProblem('weft_a b')).toMatch(/spaces/);
    expect(tokenFormatProblem('weft_abc')).toBeNull();
  });
});
