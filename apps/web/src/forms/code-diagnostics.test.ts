import { describe, expect, it } from 'vitest';
import { markAt, syntaxMarks } from './code-diagnostics';
import { runErrorPositions } from './code-positions';

describe('code marks', () => {
  it('turn a line and column into offsets within the text', () => {
    const text = 'const a = 1;\nreturn a +;\n';
    expect(markAt(text, { line: 2, column: 11, message: 'x' })).toEqual({ from: 23, to: 24, message: 'x' });
    expect(text.slice(23, 24)).toBe(';');
    // Past the end of a line: its last character; past the last line: the last line.
    expect(markAt('ab\ncd', { line: 1, column: 9, message: 'x' })).toMatchObject({ from: 1, to: 2 });
    expect(markAt('ab\ncd', { line: 7, column: 1, message: 'x' })).toMatchObject({ from: 3, to: 4 });
    expect(markAt('ab\n', { line: 2, column: 1, message: 'x' })).toMatchObject({ from: 3, to: 3 });
  });

  it("read a step error's line and column, when it has them", () => {
    expect(runErrorPositions({ message: 'boom', details: { line: 3, column: 5 } })).toEqual([
      { line: 3, column: 5, message: 'boom' },
    ]);
    expect(runErrorPositions({ message: 'boom', details: { kind: 'timeout' } })).toEqual([]);
    expect(runErrorPositions(null)).toEqual([]);
  });

  it('mark the syntax error core finds, at its line', () => {
    const text = 'const a = 1;\nreturn a +;';
    expect(syntaxMarks(text)).toEqual([
      { from: 23, to: 24, message: 'Unexpected token (line 2, column 11)' },
    ]);
    expect(syntaxMarks('return 1;')).toEqual([]);
    expect(syntaxMarks('')).toEqual([]);
  });
});
