import { nodeCatalog, registryLookup, validateGraph } from '@weft/core';
import { describe, expect, it } from 'vitest';
import {
  fieldMessage,
  formFields,
  getAt,
  humanize,
  itemProblems,
  mapRows,
  moveItem,
  newListItem,
  numberText,
  parseNumberInput,
  problemsByField,
  rowsToMap,
  setAt,
  unplacedProblemKeys,
} from './schema-form';

const entry = (type: string) => {
  const found = nodeCatalog().find((e) => e.type === type);
  if (!found) throw new Error(type);
  return found;
};
const fieldsOf = (type: string) =>
  formFields(entry(type).configJsonSchema, { rawFields: entry(type).rawExpressionFields });

describe('formFields', () => {
  it('models the code node: a code editor for its JavaScript, numbers for its limits', () => {
    const code = entry('code');
    const fields = formFields(code.configJsonSchema, { rawFields: code.rawExpressionFields, codeFields: code.codeFields });
    expect(fields.map((f) => [f.key, f.kind, f.required])).toEqual([
      ['code', 'code', true],
      ['timeLimitMs', 'number', false],
      ['memoryLimitMb', 'number', false],
    ]);
    expect(fields[0]).toMatchObject({ maxLength: 100_000, label: 'Code' });
    expect(fields[1]).toMatchObject({ minimum: 10, maximum: 10_000, default: 1_000, label: 'Time limit (ms)' });
    expect(fields[2]).toMatchObject({ minimum: 16, maximum: 256, default: 64, label: 'Memory limit (MiB)' });
  });

  it('models the HTTP request config', () => {
    const fields = fieldsOf('http.request');
    const byKey = new Map(fields.map((f) => [f.key, f]));
    expect(byKey.get('method')).toMatchObject({ kind: 'select', default: 'GET' });
    expect(byKey.get('url')).toMatchObject({ kind: 'string', required: true, format: 'uri', expression: 'template' });
    expect(byKey.get('headers')).toMatchObject({ kind: 'map', label: 'Headers' });
    expect(byKey.get('body')).toMatchObject({ kind: 'json' });
    expect(byKey.get('connectionId')).toMatchObject({ kind: 'string', reference: 'connection' });
    expect(byKey.get('timeoutMs')).toMatchObject({ kind: 'number', integer: true, minimum: 100, label: 'Timeout (ms)' });
    expect(byKey.get('failOnErrorStatus')).toMatchObject({ kind: 'boolean', default: true });
    const auth = byKey.get('auth');
    expect(auth?.kind).toBe('variant');
    if (auth?.kind !== 'variant') return;
    expect(auth.discriminator).toBe('kind');
    expect(auth.variants.map((v) => v.value)).toEqual(['none', 'bearer', 'basic', 'header', 'oauth2']);
    expect(auth.variants[3]?.fields.map((f) => [f.key, f.path.join('.'), f.required])).toEqual([
      ['header', 'auth.header', true],
      ['secretKey', 'auth.secretKey', false],
    ]);
  });

  it('models pagination: an optional variant per mode whose expressions are raw JSONata', () => {
    const pagination = fieldsOf('http.request').find((f) => f.key === 'pagination');
    expect(pagination).toMatchObject({ kind: 'variant', discriminator: 'mode', required: false });
    if (pagination?.kind !== 'variant') return;
    expect(pagination.variants.map((v) => v.value)).toEqual(['nextLink', 'cursor', 'page', 'offset']);
    const cursor = new Map(pagination.variants[1]!.fields.map((f) => [f.key, f]));
    expect(cursor.get('items')).toMatchObject({ path: ['pagination', 'items'], expression: 'raw', required: true });
    expect(cursor.get('cursor')).toMatchObject({ expression: 'raw', required: true });
    expect(cursor.get('param')).toMatchObject({ kind: 'string', expression: 'template', default: 'cursor' });
    expect(cursor.get('in')).toMatchObject({ kind: 'select', options: ['query', 'header', 'body'] });
    expect(cursor.get('maxPages')).toMatchObject({ kind: 'number', minimum: 1, maximum: 1000, default: 10 });
    const nextLink = new Map(pagination.variants[0]!.fields.map((f) => [f.key, f]));
    expect(nextLink.get('nextLink')).toMatchObject({ expression: 'raw', required: false });
  });

  it('models the scenario call: a scenario picker, a JSON input, wait on by default', () => {
    const byKey = new Map(fieldsOf('scenario.call').map((f) => [f.key, f]));
    expect(byKey.get('scenarioId')).toMatchObject({ kind: 'string', reference: 'scenario', required: true });
    expect(byKey.get('input')).toMatchObject({ kind: 'json', required: false });
    expect(byKey.get('wait')).toMatchObject({ kind: 'boolean', default: true });
  });

  it('marks raw JSONata fields, app pickers and multiline text', () => {
    expect(fieldsOf('transform')[0]).toMatchObject({ kind: 'string', expression: 'raw', multiline: true });
    const webhook = fieldsOf('trigger.webhook');
    expect(webhook[0]).toMatchObject({ key: 'appId', reference: 'app', required: true, label: 'App' });
    expect(webhook[1]).toMatchObject({ key: 'filter', expression: 'raw' });
    expect(fieldsOf('logger').map((f) => f.kind)).toEqual(['string', 'select', 'json']);
    expect(fieldsOf('logger')[0]).toMatchObject({ multiline: true, minLength: 1 });
  });

  it('handles every catalog type', () => {
    for (const item of nodeCatalog()) expect(() => formFields(item.configJsonSchema)).not.toThrow();
  });
});

describe('values', () => {
  it('reads and writes nested paths immutably', () => {
    const config = { auth: { kind: 'header', header: 'X-Key' }, url: 'x' };
    const next = setAt(config, ['auth', 'header'], 'X-Other');
    expect(next).toEqual({ auth: { kind: 'header', header: 'X-Other' }, url: 'x' });
    expect(config.auth.header).toBe('X-Key');
    expect(getAt(next, ['auth', 'header'])).toBe('X-Other');
    expect(getAt(next, ['url', 'deeper'])).toBeUndefined();
    expect(setAt({ a: { b: 1 } }, ['a', 'b'], undefined)).toEqual({});
    expect(setAt({ a: 1 }, [], 2)).toEqual({ a: 1 });
  });

  it('parses number inputs', () => {
    expect(parseNumberInput('', true)).toEqual({ ok: true, value: undefined });
    expect(parseNumberInput(' 250 ', true)).toEqual({ ok: true, value: 250 });
    expect(parseNumberInput('2.5', true)).toMatchObject({ ok: false, message: 'Enter a whole number' });
    expect(parseNumberInput('abc', false)).toMatchObject({ ok: false });
    expect(parseNumberInput('{{ 1 + 1 }}', true)).toEqual({ ok: true, value: '{{ 1 + 1 }}' });
    expect(numberText(undefined)).toBe('');
    expect(numberText(5)).toBe('5');
  });

  it('turns maps into rows and back', () => {
    expect(mapRows({ A: '1', B: 2 })).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '2' },
    ]);
    expect(mapRows('x')).toEqual([]);
    expect(rowsToMap([{ name: ' A ', value: '1' }, { name: '', value: 'x' }])).toEqual({ A: '1' });
    expect(rowsToMap([])).toBeUndefined();
  });

  it('labels keys for people', () => {
    expect(humanize('timeoutMs')).toBe('Timeout (ms)');
    expect(humanize('toleranceSec')).toBe('Tolerance (s)');
    expect(humanize('healthUrl')).toBe('Health URL');
    expect(humanize('idHeader')).toBe('ID header');
  });
});

describe('problems by field', () => {
  it("places core's config problems on their fields", () => {
    const graph = {
      nodes: [
        { id: 'hook', type: 'trigger.webhook', version: 1, config: { appId: '0123456789abcdef01234567' }, position: { x: 0, y: 0 } },
        {
          id: 'call',
          type: 'http.request',
          version: 2,
          config: { url: 'nope', auth: { kind: 'header' }, headers: { A: '{{ x' } },
          position: { x: 0, y: 0 },
        },
      ],
      edges: [{ id: 'e', source: 'hook', sourceHandle: 'out', target: 'call', targetHandle: 'in' }],
    };
    const problems = validateGraph(graph, registryLookup).filter((p) => p.nodeId === 'call');
    const byField = problemsByField(problems);
    expect(byField.get('url')).toEqual(['url must be an absolute http(s) URL']);
    expect(byField.get('auth.header')).toEqual(['Required']);
    expect(byField.get('headers.A')?.[0]).toMatch(/Unclosed expression/);
    expect(unplacedProblemKeys(fieldsOf('http.request'), byField)).toEqual([]);
    expect(unplacedProblemKeys(fieldsOf('http.request'), new Map([['extra', ['x']]]))).toEqual(['extra']);
  });

  it('strips the node preamble from messages', () => {
    expect(fieldMessage({ message: 'Node "a" (logger) field "level": Invalid option: expected one of "x"' })).toBe(
      'Invalid option: expected one of "x"',
    );
  });
});

describe('list fields (a switch)', () => {
  it('models the cases as a list whose entries have raw JSONata expressions, and the mode with its default', () => {
    const fields = fieldsOf('switch');
    const cases = fields.find((f) => f.key === 'cases');
    expect(cases).toMatchObject({ kind: 'list', required: true, minItems: 1, maxItems: 50 });
    if (cases?.kind !== 'list') throw new Error('not a list');
    expect(cases.itemFields.map((f) => [f.key, f.kind, f.kind === 'string' ? f.expression : null])).toEqual([
      ['id', 'string', 'template'],
      ['label', 'string', 'template'],
      ['expression', 'string', 'raw'],
    ]);
    expect(fields.find((f) => f.key === 'mode')).toMatchObject({
      kind: 'select',
      default: 'first',
      options: ['first', 'all'],
    });
    expect(newListItem(cases, [{ id: 'case_2' }])).toEqual({ id: 'case_3', label: 'Case 3' });
    expect(moveItem(['a', 'b', 'c'], 2, 0)).toEqual(['c', 'a', 'b']);

    // A duplicate id shows under the entry's id field, not above the form.
    const problems = validateGraph(
      {
        nodes: [
          {
            id: 'route',
            type: 'switch',
            version: 1,
            position: { x: 0, y: 0 },
            config: {
              cases: [
                { id: 'a', label: 'A', expression: 'true' },
                { id: 'a', label: 'B', expression: 'false' },
              ],
            },
          },
        ],
        edges: [],
      },
      registryLookup,
    ).filter((p) => p.code === 'invalid_config');
    const byField = problemsByField(problems);
    expect(unplacedProblemKeys(fields, byField)).toEqual([]);
    expect(itemProblems(byField, 'cases', 1)).toEqual(
      new Map([['id', ['case id "a" is already used by case 1; case ids must be unique']]]),
    );
  });
});

describe('formFields of the wait nodes', () => {
  it('models wait.approval and wait.event: expression text, raw JSONata, app picker, numbers', () => {
    const approval = new Map(fieldsOf('wait.approval').map((f) => [f.key, f]));
    expect(approval.get('message')).toMatchObject({ kind: 'string', expression: 'template' });
    expect(approval.get('timeoutMs')).toMatchObject({ kind: 'number', integer: true, minimum: 1000, label: 'Timeout (ms)' });
    const event = new Map(fieldsOf('wait.event').map((f) => [f.key, f]));
    expect(event.get('appId')).toMatchObject({ kind: 'string', reference: 'app', required: true });
    expect(event.get('deliveryKey')).toMatchObject({ kind: 'string', required: true, expression: 'raw' });
    expect(event.get('match')).toMatchObject({ kind: 'string', required: false, expression: 'raw' });
    expect(event.get('lookBackMs')).toMatchObject({ kind: 'number', integer: true, minimum: 0 });
    expect(event.get('correlationKey')).toMatchObject({ kind: 'string', required: true, expression: 'template' });
  });
});
