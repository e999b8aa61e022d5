/** Request headers as Node (and Express) hand them over. */
export type HeaderBag = Readonly<Record<string, string | string[] | undefined>>;

/**
 * Case-insensitive header lookup. Returns the trimmed value, or undefined when the header
 * is absent or blank. A repeated header (array) yields its first value: partners send
 * signature headers once, and a forged duplicate cannot carry a valid HMAC anyway.
 */
export function getHeader(headers: HeaderBag, name: string): string | undefined {
  const lower = name.toLowerCase();
  // Node lower-cases incoming header names, so the direct hit is the usual case.
  let raw = headers[lower];
  if (raw === undefined) {
    for (const key of Object.keys(headers)) {
      if (key.toLowerCase() === lower) {
        raw = headers[key];
        break;
      }
    }
  }
  const value = Array.isArray(raw) ? raw[0] : raw;
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** The first of `names` that is present, with the name it was found under. */
export function getFirstHeader(
  headers: HeaderBag,
  names: readonly string[],
): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = getHeader(headers, name);
    if (value !== undefined) return { name, value };
  }
  return undefined;
}
