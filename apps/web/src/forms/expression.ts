/**
 * The expression field's logic: tokens for highlighting `{{ … }}` templates (and raw JSONata
 * fields), and autocomplete of what an expression can read, above all the ids of upstream nodes
 * (`nodes.<id>`). Lenient by design: it runs on every keystroke over half-typed text, so it never
 * throws; core's `parseTemplate`/JSONata report the real syntax errors through validation.
 */

export type TokenKind =
  | 'text'
  | 'brace'
  | 'unclosed'
  | 'node-ref'
  | 'unknown-ref'
  | 'root'
  | 'name'
  | 'function'
  | 'string'
  | 'number'
  | 'operator'
  | 'space';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly start: number;
  readonly end: number;
  /** For `node-ref` / `unknown-ref`: the node read. */
  readonly nodeId?: string;
}

export type ExpressionMode = 'template' | 'raw';

export const ROOTS = ['trigger', 'nodes', 'run'] as const;
const RAW_ROOTS = ['input', ...ROOTS] as const;

const IDENT_START = /[A-Za-z_$]/;
const IDENT = /[A-Za-z0-9_$]/;

function skipQuoted(text: string, from: number): number {
  const quote = text[from];
  const escapes = quote !== '`';
  for (let i = from + 1; i < text.length; i++) {
    if (escapes && text[i] === '\\') i++;
    else if (text[i] === quote) return i + 1;
  }
  return text.length;
}

/** Where the `}}` closing an expression starting at `from` is, or -1 (quotes and object braces skipped). */
export function findClose(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const char = text[i];
    if (char === '"' || char === "'" || char === '`') {
      i = skipQuoted(text, i) - 1;
      continue;
    }
    if (char === '{') depth++;
    else if (char === '}') {
      if (depth === 0 && text[i + 1] === '}') return i;
      if (depth > 0) depth--;
    }
  }
  return -1;
}

/** Tokens of JSONata source found at `offset` in the field's string. */
export function tokenizeExpression(source: string, offset: number, known: ReadonlySet<string>): Token[] {
  const tokens: Token[] = [];
  const push = (kind: TokenKind, start: number, end: number, nodeId?: string) =>
    tokens.push({
      kind,
      text: source.slice(start, end),
      start: offset + start,
      end: offset + end,
      ...(nodeId === undefined ? {} : { nodeId }),
    });
  let i = 0;
  while (i < source.length) {
    const char = source[i] ?? '';
    if (/\s/.test(char)) {
      let j = i + 1;
      while (j < source.length && /\s/.test(source[j] ?? '')) j++;
      push('space', i, j);
      i = j;
    } else if (char === '"' || char === "'") {
      const end = skipQuoted(source, i);
      push('string', i, end);
      i = end;
    } else if (/[0-9]/.test(char)) {
      let j = i + 1;
      while (j < source.length && /[0-9.eE]/.test(source[j] ?? '')) j++;
      push('number', i, j);
      i = j;
    } else if (IDENT_START.test(char) || char === '`') {
      let j = i;
      if (char === '`') j = skipQuoted(source, i);
      else while (j < source.length && IDENT.test(source[j] ?? '')) j++;
      const word = source.slice(i, j);
      // nodes.<id> (the whole reference is one token)
      if (word === 'nodes' && source[j] === '.' && IDENT_START.test(source[j + 1] ?? '')) {
        let k = j + 1;
        while (k < source.length && IDENT.test(source[k] ?? '')) k++;
        const nodeId = source.slice(j + 1, k);
        push(known.has(nodeId) ? 'node-ref' : 'unknown-ref', i, k, nodeId);
        i = k;
        continue;
      }
      const previous = tokens.at(-1);
      const afterDot = previous?.kind === 'operator' && previous.text.endsWith('.');
      const kind: TokenKind = word.startsWith('$')
        ? 'function'
        : !afterDot && (RAW_ROOTS as readonly string[]).includes(word)
          ? 'root'
          : 'name';
      push(kind, i, j);
      i = j;
    } else {
      push('operator', i, i + 1);
      i++;
    }
  }
  return tokens;
}

/** Tokens of a whole field value: text and `{{ }}` parts of a template, or one raw expression. */
export function tokenize(value: string, mode: ExpressionMode, known: ReadonlySet<string>): Token[] {
  if (mode === 'raw') return tokenizeExpression(value, 0, known);
  const tokens: Token[] = [];
  let textStart = 0;
  let i = 0;
  const flush = (end: number) => {
    if (end > textStart) tokens.push({ kind: 'text', text: value.slice(textStart, end), start: textStart, end });
  };
  while (i < value.length) {
    if (value.startsWith('\\{{', i)) {
      i += 3;
      continue;
    }
    if (value.startsWith('{{', i)) {
      flush(i);
      const close = findClose(value, i + 2);
      if (close < 0) {
        tokens.push({ kind: 'unclosed', text: '{{', start: i, end: i + 2 });
        tokens.push(...tokenizeExpression(value.slice(i + 2), i + 2, known));
        textStart = value.length;
        i = value.length;
        break;
      }
      tokens.push({ kind: 'brace', text: '{{', start: i, end: i + 2 });
      tokens.push(...tokenizeExpression(value.slice(i + 2, close), i + 2, known));
      tokens.push({ kind: 'brace', text: '}}', start: close, end: close + 2 });
      i = close + 2;
      textStart = i;
      continue;
    }
    i++;
  }
  flush(value.length);
  return tokens;
}

/** Node ids read by the field that are not upstream of its node (they would be undefined when it runs). */
export function unknownReferences(tokens: readonly Token[]): string[] {
  return [...new Set(tokens.filter((t) => t.kind === 'unknown-ref').map((t) => t.nodeId ?? ''))];
}

// ── autocomplete ─────────────────────────────────────────────────────────────────────────────

export interface CompletionOption {
  readonly label: string;
  readonly insert: string;
  readonly detail: string;
}

export interface Completion {
  /** The span of `value` an option replaces. */
  readonly from: number;
  readonly to: number;
  readonly options: readonly CompletionOption[];
}

export interface CompletionSource {
  /** Upstream nodes, nearest first: what `nodes.<id>` may read. */
  readonly upstream: readonly { readonly id: string; readonly title: string }[];
}

/** The offset where the expression around `cursor` starts, or null when the cursor is in plain text. */
export function expressionStartAt(value: string, cursor: number, mode: ExpressionMode): number | null {
  if (mode === 'raw') return 0;
  let i = 0;
  while (i < cursor) {
    if (value.startsWith('\\{{', i)) {
      i += 3;
      continue;
    }
    if (value.startsWith('{{', i)) {
      const close = findClose(value, i + 2);
      if (close < 0 || close >= cursor) return i + 2 <= cursor ? i + 2 : null;
      i = close + 2;
      continue;
    }
    i++;
  }
  return null;
}

const ROOT_DETAIL: Record<string, string> = {
  trigger: 'what started the run',
  nodes: "other nodes' outputs",
  run: 'id, scenarioId, startedAt',
  input: 'this node’s input',
};

/** What can be completed at `cursor`, or null. */
export function completionAt(
  value: string,
  cursor: number,
  mode: ExpressionMode,
  source: CompletionSource,
): Completion | null {
  const start = expressionStartAt(value, cursor, mode);
  if (start === null) return null;
  const before = value.slice(start, cursor);
  const nodeMatch = /(?:^|[^A-Za-z0-9_$.])nodes\.([A-Za-z0-9_]*)$/.exec(before);
  if (nodeMatch) {
    const prefix = nodeMatch[1] ?? '';
    const options = source.upstream
      .filter((node) => node.id.toLowerCase().startsWith(prefix.toLowerCase()))
      .map((node) => ({ label: node.id, insert: node.id, detail: node.title }));
    return options.length > 0 ? { from: cursor - prefix.length, to: cursor, options } : null;
  }
  const wordMatch = /(?:^|[^A-Za-z0-9_$.])([A-Za-z_]*)$/.exec(before);
  if (!wordMatch) return null;
  const prefix = wordMatch[1] ?? '';
  // Right after `{{` or a space, offer the roots; after a letter, only those it starts.
  const roots = mode === 'raw' ? RAW_ROOTS : ROOTS;
  const options = roots
    .filter((root) => root.startsWith(prefix) && root !== prefix)
    .map((root) => ({
      label: root === 'nodes' ? 'nodes.' : root,
      insert: root === 'nodes' ? 'nodes.' : root,
      detail: ROOT_DETAIL[root] ?? '',
    }));
  if (prefix === '' && mode === 'raw' && before.trim() !== '' && !/[\s(,[{:]$/.test(before)) return null;
  return options.length > 0 ? { from: cursor - prefix.length, to: cursor, options } : null;
}

export function applyCompletion(
  value: string,
  completion: Pick<Completion, 'from' | 'to'>,
  option: Pick<CompletionOption, 'insert'>,
): { value: string; cursor: number } {
  const next = value.slice(0, completion.from) + option.insert + value.slice(completion.to);
  return { value: next, cursor: completion.from + option.insert.length };
}

/** After typing the second `{` of `{{`: `{{ | }}` with the cursor in the middle (unless closed already). */
export function autoCloseBraces(value: string, cursor: number): { value: string; cursor: number } | null {
  if (value.slice(cursor - 2, cursor) !== '{{' || value[cursor - 3] === '{' || value[cursor - 3] === '\\') return null;
  if (/^\s*}}/.test(value.slice(cursor))) return null;
  return { value: `${value.slice(0, cursor)}  }}${value.slice(cursor)}`, cursor: cursor + 1 };
}
