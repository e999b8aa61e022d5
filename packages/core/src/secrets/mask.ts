/** Characters shown at the end of a masked secret. */
const VISIBLE_TAIL = 4;
/** A secret (after its prefix) shorter than this shows no tail at all. */
const MIN_LENGTH_FOR_TAIL = 16;
/**
 * Well-known type markers, which identify the kind of secret and are not secret themselves.
 * An allow-list rather than a pattern: a random secret may happen to start like a prefix.
 */
const KNOWN_PREFIXES = [
  'whsec_',
  'sk_live_',
  'sk_test_',
  'rk_live_',
  'rk_test_',
  'pk_live_',
  'pk_test_',
  'xoxb-',
  'xoxp-',
  'xoxa-',
  'xapp-',
  'github_pat_',
  'ghp_',
  'gho_',
  'ghs_',
  'shpat_',
  'shpss_',
  'glpat-',
  'sk-',
] as const;

/**
 * A hint for the UI that identifies a secret without revealing it: its type prefix, an
 * ellipsis and at most the last 4 characters (`whsec_…a1b2`). Secrets too short for the
 * tail to be safe show only the prefix and the ellipsis.
 */
export function maskSecret(value: string): string {
  if (value === '') return '';
  const prefix = KNOWN_PREFIXES.find((known) => value.startsWith(known)) ?? '';
  const body = value.slice(prefix.length);
  if (body.length < MIN_LENGTH_FOR_TAIL) return `${prefix}…`;
  return `${prefix}…${body.slice(-VISIBLE_TAIL)}`;
}
