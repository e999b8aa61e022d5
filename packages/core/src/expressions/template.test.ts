import { describe, expect, it } from 'vitest';
import { hasExpression, parseTemplate, TemplateSyntaxError } from './template.js';

describe('parseTemplate', () => {
  it('splits text and expressions with their offsets', () => {
    const value = 'Hi {{ trigger.name }}!';
    const { parts, wholeValue } = parseTemplate(value);
    expect(wholeValue).toBe(false);
    expect(parts).toEqual([
      { kind: 'text', text: 'Hi ', start: 0, end: 3 },
      { kind: 'expression', source: ' trigger.name ', sourceStart: 5, start: 3, end: 21 },
      { kind: 'text', text: '!', start: 21, end: 22 },
    ]);
    const expression = parts[1]!;
    expect(value.slice(expression.start, expression.end)).toBe('{{ trigger.name }}');
  });

  it('recognises a whole-value expression, surrounding whitespace aside', () => {
    expect(parseTemplate('{{ nodes.a }}').wholeValue).toBe(true);
    expect(parseTemplate('  {{nodes.a}}\n').wholeValue).toBe(true);
    expect(parseTemplate('{{ a }}{{ b }}').wholeValue).toBe(false);
    expect(parseTemplate('x{{ a }}').wholeValue).toBe(false);
    expect(parseTemplate('plain').wholeValue).toBe(false);
  });

  it('does not end an expression at braces of an object constructor, a string or a comment', () => {
    const objectConstructor = parseTemplate('{{ {"a": {"b": 1}} }}');
    expect(objectConstructor.wholeValue).toBe(true);
    expect(objectConstructor.parts[0]).toMatchObject({ source: ' {"a": {"b": 1}} ' });

    expect(parseTemplate('{{ "}}" & x }}').parts[0]).toMatchObject({ source: ' "}}" & x ' });
    expect(parseTemplate("{{ 'it\\'s }}' }}").parts[0]).toMatchObject({ source: " 'it\\'s }}' " });
    expect(parseTemplate('{{ /* }} */ 1 }}').parts[0]).toMatchObject({ source: ' /* }} */ 1 ' });
  });

  it('falls back to the first }} when quotes are unbalanced, leaving the error to JSONata', () => {
    expect(parseTemplate('{{ "oops }} tail').parts[0]).toMatchObject({
      kind: 'expression',
      source: ' "oops ',
    });
  });

  it('turns \\{{ into a literal {{', () => {
    const { parts, wholeValue } = parseTemplate('literal \\{{ not }} and {{ x }}');
    expect(wholeValue).toBe(false);
    expect(parts).toEqual([
      { kind: 'text', text: 'literal {{ not }} and ', start: 0, end: 23 },
      { kind: 'expression', source: ' x ', sourceStart: 25, start: 23, end: 30 },
    ]);
    expect(parseTemplate('\\{{ x }}').wholeValue).toBe(false);
  });

  it('throws with the position of an unclosed {{', () => {
    expect(() => parseTemplate('abc {{ trigger.x')).toThrow(TemplateSyntaxError);
    try {
      parseTemplate('abc {{ trigger.x');
    } catch (err) {
      expect((err as TemplateSyntaxError).position).toBe(4);
    }
  });

  it('returns no parts for the empty string', () => {
    expect(parseTemplate('')).toEqual({ parts: [], wholeValue: false });
  });
});

describe('hasExpression', () => {
  it('finds unescaped {{ only', () => {
    expect(hasExpression('a {{ b }}')).toBe(true);
    expect(hasExpression('a \\{{ b }}')).toBe(false);
    expect(hasExpression('a \\{{ b }} {{ c }}')).toBe(true);
    expect(hasExpression('a { b }')).toBe(false);
  });
});
