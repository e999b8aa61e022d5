import { describe, expect, it } from 'vitest';
import {
  applyCompletion,
  autoCloseBraces,
  completionAt,
  expressionStartAt,
  findClose,
  type Token,
  tokenize,
  unknownReferences,
} from './expression';

const known = new Set(['webhook', 'call']);
const kinds = (tokens: readonly Token[]) => tokens.filter((t) => t.kind !== 'space').map((t) => `${t.kind}:${t.text}`);

describe('tokenize', () => {
  it('splits a template into text, braces and expression tokens', () => {
    const value = 'Order {{ trigger.body.id }} for {{ nodes.call.body.name & "!" }}';
    const tokens = tokenize(value, 'template', known);
    expect(kinds(tokens)).toEqual([
      'text:Order ',
      'brace:{{',
      'root:trigger',
      'operator:.',
      'name:body',
      'operator:.',
      'name:id',
      'brace:}}',
      'text: for ',
      'brace:{{',
      'node-ref:nodes.call',
      'operator:.',
      'name:body',
      'operator:.',
      'name:name',
      'operator:&',
      'string:"!"',
      'brace:}}',
    ]);
    // Offsets cover the string exactly.
    expect(tokens.map((t) => t.text).join('')).toBe(value);
    for (const t of tokens) expect(value.slice(t.start, t.end)).toBe(t.text);
  });

  it('flags references to nodes that are not upstream', () => {
    const tokens = tokenize('{{ nodes.later.x }} {{ nodes.call }}', 'template', known);
    expect(unknownReferences(tokens)).toEqual(['later']);
    expect(tokens.find((t) => t.kind === 'node-ref')?.nodeId).toBe('call');
  });

  it('marks an unclosed expression and keeps going', () => {
    const tokens = tokenize('a {{ trigger.', 'template', known);
    expect(kinds(tokens)).toEqual(['text:a ', 'unclosed:{{', 'root:trigger', 'operator:.']);
  });

  it('skips braces inside strings and object constructors', () => {
    const value = '{{ { "a": "}}" } }}!';
    expect(findClose(value, 2)).toBe(value.length - 3);
    expect(kinds(tokenize(value, 'template', known)).at(-1)).toBe('text:!');
  });

  it('treats an escaped {{ as text', () => {
    expect(kinds(tokenize('\\{{ not }}', 'template', known))).toEqual(['text:\\{{ not }}']);
  });

  it('tokenizes a raw JSONata field whole, with functions', () => {
    expect(kinds(tokenize('$sum(input.items.price) > 10', 'raw', known))).toEqual([
      'function:$sum',
      'operator:(',
      'root:input',
      'operator:.',
      'name:items',
      'operator:.',
      'name:price',
      'operator:)',
      'operator:>',
      'number:10',
    ]);
  });
});

describe('autocomplete', () => {
  const source = {
    upstream: [
      { id: 'call', title: 'HTTP request' },
      { id: 'webhook', title: 'Webhook trigger' },
    ],
  };

  it('knows whether the cursor is inside an expression', () => {
    const value = 'a {{ x }} b {{ y';
    expect(expressionStartAt(value, 1, 'template')).toBeNull();
    expect(expressionStartAt(value, 6, 'template')).toBe(4);
    expect(expressionStartAt(value, 10, 'template')).toBeNull();
    expect(expressionStartAt(value, value.length, 'template')).toBe(14);
    expect(expressionStartAt('anything', 3, 'raw')).toBe(0);
  });

  it('offers upstream node ids after nodes.', () => {
    const value = 'Hi {{ nodes.';
    const completion = completionAt(value, value.length, 'template', source);
    expect(completion?.options.map((o) => o.label)).toEqual(['call', 'webhook']);
    const partial = 'Hi {{ nodes.we }}';
    const second = completionAt(partial, 14, 'template', source);
    expect(second).toMatchObject({ from: 12, to: 14 });
    expect(second?.options.map((o) => o.label)).toEqual(['webhook']);
    expect(applyCompletion(partial, second!, second!.options[0]!)).toEqual({
      value: 'Hi {{ nodes.webhook }}',
      cursor: 19,
    });
  });

  it('offers the roots at the start of an expression', () => {
    const value = '{{ ';
    expect(completionAt(value, 3, 'template', source)?.options.map((o) => o.label)).toEqual([
      'trigger',
      'nodes.',
      'run',
    ]);
    expect(completionAt('{{ tr', 5, 'template', source)?.options.map((o) => o.label)).toEqual(['trigger']);
    expect(completionAt('{{ trigger', 10, 'template', source)).toBeNull();
    expect(completionAt('plain text', 5, 'template', source)).toBeNull();
    expect(completionAt('in', 2, 'raw', source)?.options.map((o) => o.label)).toEqual(['input']);
  });

  it('closes {{ as it is typed', () => {
    expect(autoCloseBraces('a {{', 4)).toEqual({ value: 'a {{  }}', cursor: 5 });
    expect(autoCloseBraces('a {{ }}', 4)).toBeNull();
    expect(autoCloseBraces('a {', 3)).toBeNull();
    expect(autoCloseBraces('\\{{', 3)).toBeNull();
  });
});
