import { parse } from 'acorn';
import { CODE_LIMITS } from './limits.js';
import { codePosition, wrapCode } from './wrapper.js';

export interface CodeSyntaxProblem {
  readonly message: string;
  /** 1-based, in the node's code. */
  readonly line: number;
  readonly column: number;
}

/** A position past the code (an unmatched `}` that closes the wrapper) is its last character. */
function withinCode(code: string, position: { line: number; column: number }) {
  const lines = code.split('\n');
  if (position.line <= lines.length) return position;
  return { line: lines.length, column: Math.max(1, lines.at(-1)!.length) };
}

/**
 * The first syntax error of a code node's code, with its line and column, or null. Parsed as
 * the sandbox runs it (the body of an async function), with the ECMAScript 2023 grammar that
 * QuickJS implements; browser-safe, so the editor and the api check the same way.
 */
export function codeSyntaxProblem(code: string): CodeSyntaxProblem | null {
  // Longer code is refused by its size; parsing it would only cost time.
  if (code.length > CODE_LIMITS.maxCodeChars) return null;
  try {
    parse(wrapCode(code), { ecmaVersion: 2023, sourceType: 'script', locations: true });
    return null;
  } catch (error) {
    const loc = (error as { loc?: { line: number; column: number } }).loc;
    if (!(error instanceof SyntaxError) || !loc) throw error;
    const position = withinCode(code, codePosition(loc.line, loc.column + 1));
    // acorn ends its messages with "(line:column)" of the wrapped source.
    const message = error.message.replace(/\s*\(\d+:\d+\)$/, '');
    return { message, ...position };
  }
}

/** "Unexpected token (line 3, column 7)": how a syntax problem reads in a config problem. */
export function formatCodeSyntaxProblem(problem: CodeSyntaxProblem): string {
  return `${problem.message} (line ${problem.line}, column ${problem.column})`;
}
