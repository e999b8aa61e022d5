/** A literal stretch of a config string (escapes already undone). Offsets are into the original string. */
export interface TextPart {
  readonly kind: 'text';
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/**
 * One `{{ … }}`. `start`/`end` span the braces; `source` is the JSONata between them, verbatim,
 * beginning at `sourceStart`, so a JSONata position `p` is offset `sourceStart + p` in the string.
 */
export interface ExpressionPart {
  readonly kind: 'expression';
  readonly source: string;
  readonly sourceStart: number;
  readonly start: number;
  readonly end: number;
}

export type TemplatePart = TextPart | ExpressionPart;

export interface ParsedTemplate {
  readonly parts: readonly TemplatePart[];
  /**
   * The string is exactly one `{{ … }}`, surrounding whitespace aside: its value keeps the
   * expression result's type instead of being stringified.
   */
  readonly wholeValue: boolean;
}

/** A `{{` without its `}}`. `position` is the offset of the `{{`. */
export class TemplateSyntaxError extends Error {
  readonly position: number;

  constructor(message: string, position: number) {
    super(message);
    this.name = 'TemplateSyntaxError';
    this.position = position;
  }
}

const OPEN = '{{';
const ESCAPED_OPEN = '\\{{';

/** Whether a config string holds at least one (unescaped) `{{`. */
export function hasExpression(value: string): boolean {
  let from = 0;
  for (;;) {
    const at = value.indexOf(OPEN, from);
    if (at < 0) return false;
    if (value[at - 1] !== '\\') return true;
    from = at + OPEN.length;
  }
}

function skipQuoted(text: string, from: number): number {
  const quote = text[from];
  // Backtick names in JSONata have no escapes; string literals do.
  const escapes = quote !== '`';
  for (let i = from + 1; i < text.length; i++) {
    if (escapes && text[i] === '\\') {
      i++;
    } else if (text[i] === quote) {
      return i + 1;
    }
  }
  return -1;
}

/**
 * The offset of the `}}` closing an expression whose source starts at `from`. Braces of
 * JSONata object constructors, and braces inside strings or comments, do not close it.
 */
function findClose(text: string, from: number): number {
  let depth = 0;
  let i = from;
  while (i < text.length) {
    const char = text[i];
    if (char === '"' || char === "'" || char === '`') {
      const after = skipQuoted(text, i);
      if (after < 0) break;
      i = after;
      continue;
    }
    if (char === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) break;
      i = end + 2;
      continue;
    }
    if (char === '{') depth++;
    if (char === '}') {
      if (depth === 0 && text[i + 1] === '}') return i;
      if (depth > 0) depth--;
    }
    i++;
  }
  // Unbalanced quotes or braces: fall back to the first `}}`, and let JSONata report the real problem.
  return text.indexOf('}}', from);
}

/**
 * Splits a config string into literal text and `{{ expression }}` parts. `\{{` stands for a
 * literal `{{`. Throws `TemplateSyntaxError` for a `{{` that is never closed.
 */
export function parseTemplate(value: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  let text = '';
  let textStart = 0;
  let i = 0;

  const flushText = (end: number) => {
    if (text !== '') parts.push({ kind: 'text', text, start: textStart, end });
    text = '';
  };

  while (i < value.length) {
    if (value.startsWith(ESCAPED_OPEN, i)) {
      if (text === '') textStart = i;
      text += OPEN;
      i += ESCAPED_OPEN.length;
      continue;
    }
    if (value.startsWith(OPEN, i)) {
      const sourceStart = i + OPEN.length;
      const close = findClose(value, sourceStart);
      if (close < 0) {
        throw new TemplateSyntaxError('Unclosed expression: "{{" has no matching "}}"', i);
      }
      flushText(i);
      parts.push({
        kind: 'expression',
        source: value.slice(sourceStart, close),
        sourceStart,
        start: i,
        end: close + 2,
      });
      i = close + 2;
      continue;
    }
    if (text === '') textStart = i;
    text += value[i];
    i++;
  }
  flushText(value.length);

  const expressions = parts.filter((part) => part.kind === 'expression');
  const wholeValue =
    expressions.length === 1 && parts.every((part) => part.kind === 'expression' || part.text.trim() === '');
  return { parts, wholeValue };
}
