import { describe, expect, it } from 'vitest';
import { codeSyntaxProblem } from './syntax.js';

describe('codeSyntaxProblem', () => {
  it('accepts an async function body: return, await, modern syntax', () => {
    expect(
      codeSyntaxProblem(
        'const { a = 1, ...rest } = input ?? {};\nreturn await Promise.all([a, rest?.b ?? 2n]);',
      ),
    ).toBeNull();
    expect(codeSyntaxProblem('// only a comment')).toBeNull();
  });

  it('gives the line and column in the code, the first line without the wrapper', () => {
    expect(codeSyntaxProblem('let x = 1;\nlet x = 2;')).toEqual({
      message: "Identifier 'x' has already been declared",
      line: 2,
      column: 5,
    });
    expect(codeSyntaxProblem('return }')).toEqual({ message: 'Unexpected token', line: 1, column: 8 });
  });

  it('reports code nested too deeply to parse as a problem, and leaves oversized code to the size check', () => {
    expect(codeSyntaxProblem(`return ${'['.repeat(40_000)}${']'.repeat(40_000)};`)).toMatchObject({
      message: 'Not enough stack space to parse input',
      line: 1,
    });
    expect(codeSyntaxProblem(`return ${'('.repeat(100_001)}`)).toBeNull();
  });
});
