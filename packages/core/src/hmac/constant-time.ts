import { timingSafeEqual } from 'node:crypto';

/**
 * Compares two byte strings without a data-dependent early exit.
 * `timingSafeEqual` throws on unequal lengths; the length of a digest is public
 * (it is fixed by the algorithm), so answering `false` at once leaks nothing.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}
