import { CODE_FILE_NAME, codePosition } from '../code/wrapper.js';

const FRAME = new RegExp(
  `^\\s*at (?:(.*?) \\()?${CODE_FILE_NAME.replace('.', '\\.')}:(\\d+):(\\d+)\\)?\\s*$`,
);

export interface CodeFrames {
  readonly line?: number;
  readonly column?: number;
  /** The frames in the node's code, in the node's lines and columns. */
  readonly stack?: string;
}

/** Reads QuickJS's `at f (code.js:3:7)` frames as positions in the node's code. */
export function codeFrames(stack: unknown): CodeFrames {
  if (typeof stack !== 'string') return {};
  const frames: string[] = [];
  let first: { line: number; column: number } | undefined;
  for (const text of stack.split('\n')) {
    const match = FRAME.exec(text);
    if (!match) continue;
    const position = codePosition(Number(match[2]), Number(match[3]));
    first ??= position;
    const name = match[1] === undefined || match[1] === '<anonymous>' ? 'the code' : match[1];
    frames.push(`at ${name} (line ${position.line}, column ${position.column})`);
  }
  return first ? { ...first, stack: frames.join('\n') } : {};
}
