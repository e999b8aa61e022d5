/**
 * Where the code field marks a problem: core's syntax check (the very function validation runs)
 * and a dry-run's error give 1-based lines and columns; CodeMirror wants offsets.
 */
import { codeSyntaxProblem } from '@weft/core';
import type { CodePosition } from './code-positions';

export interface CodeMark {
  readonly from: number;
  readonly to: number;
  readonly message: string;
}

/** The offsets of a position: the character there (or the line's end), within the text. */
export function markAt(text: string, position: CodePosition): CodeMark {
  const lines = text.split('\n');
  const lineIndex = Math.min(Math.max(position.line, 1), lines.length) - 1;
  let start = 0;
  for (let i = 0; i < lineIndex; i++) start += lines[i]!.length + 1;
  const length = lines[lineIndex]!.length;
  const column = Math.min(Math.max(position.column, 1), Math.max(length, 1)) - 1;
  const from = start + Math.min(column, length);
  return { from, to: Math.min(from + 1, start + length), message: position.message };
}

/** The syntax error of the code, if any, as core's validation reports it. */
export function syntaxMarks(text: string): CodeMark[] {
  if (text.trim() === '') return [];
  const problem = codeSyntaxProblem(text);
  return problem
    ? [
        markAt(text, {
          ...problem,
          message: `${problem.message} (line ${problem.line}, column ${problem.column})`,
        }),
      ]
    : [];
}
