/**
 * A code node's code is the body of an async function whose parameters are its data. The
 * prefix stays on the code's first line, so lines are the code's own; only columns on line 1
 * are shifted, by the prefix's length.
 */
export const CODE_PREFIX = '(async function (input, trigger, nodes, run, item, index) {';
export const CODE_SUFFIX = '\n})';
export const CODE_FILE_NAME = 'code.js';

export function wrapCode(code: string): string {
  return `${CODE_PREFIX}${code}${CODE_SUFFIX}`;
}

/** A 1-based position in the wrapped source as a position in the node's code. */
export function codePosition(line: number, column: number): { line: number; column: number } {
  return { line, column: line === 1 ? Math.max(1, column - CODE_PREFIX.length) : column };
}
