/** The API token, kept in local storage under one key. The storage is injectable for tests. */

export const TOKEN_KEY = 'weft.token';

export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

function defaultStorage(): KeyValueStorage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

/** What a person pasted, tidied: whitespace and a leading "Bearer " are dropped. */
export function normalizeToken(input: string): string {
  return input.trim().replace(/^Bearer\s+/i, '').trim();
}

/** Why a pasted token cannot be one, before asking the server; null when it looks right. */
export function tokenFormatProblem(token: string): string | null {
  if (token === '') return 'Paste a token first.';
  if (!token.startsWith('weft_')) return 'Weft tokens start with "weft_".';
  if (/\s/.test(token)) return 'A token has no spaces or line breaks.';
  return null;
}

export function readToken(storage: KeyValueStorage | null = defaultStorage()): string | null {
  const value = storage?.getItem(TOKEN_KEY) ?? null;
  return value && value.trim() !== '' ? value : null;
}

export function writeToken(token: string, storage: KeyValueStorage | null = defaultStorage()): void {
  storage?.setItem(TOKEN_KEY, token);
}

export function clearToken(storage: KeyValueStorage | null = defaultStorage()): void {
  storage?.removeItem(TOKEN_KEY);
}
