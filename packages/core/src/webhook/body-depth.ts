/**
 * How deeply a webhook body may nest objects and arrays. A run stores its input (and its steps'
 * outputs) a few levels below the top of its document, and MongoDB refuses documents nested more
 * than 100 levels: a deeper body would be stored as a delivery whose runs can never be created.
 */
export const MAX_BODY_DEPTH = 64;

/**
 * Whether `value` nests objects and arrays more than `limit` levels (`{}` is one level,
 * `{"a":[]}` two). Iterative, and it stops at the first container past the limit: a hostile body
 * neither overflows the stack nor is walked further than needed.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (pending.length > 0) {
    const { value: current, depth } = pending.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth + 1 > limit) return true;
    const children = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) {
      if (child !== null && typeof child === 'object') pending.push({ value: child, depth: depth + 1 });
    }
  }
  return false;
}
