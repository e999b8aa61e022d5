import { describe, expect, it } from 'vitest';
import { findExpressionErrors, findNodeReferences, referencedNodeIds } from './validate.js';

describe('findExpressionErrors', () => {
  it('finds nothing in a valid config', () => {
    const config = {
      url: 'https://api.example.com/users/{{ trigger.body.id }}',
      headers: { Authorization: 'Bearer {{ nodes.auth.token }}' },
      body: [{ x: '{{ $sum(nodes.a.items.price) }}' }],
      retries: 3,
      enabled: true,
      nothing: null,
    };
    expect(findExpressionErrors(config, { nodeId: 'http1' })).toEqual([]);
  });

  it('reports every problem with node, field path and position in the field string', () => {
    const config = {
      headers: { Authorization: 'Bearer {{ foo( }}' },
      body: [{}, {}, { x: '{{ trigger.a + }}' }],
      note: 'fine',
      tail: 'x {{ unclosed',
      'X-Odd': '{{ }}',
    };
    const problems = findExpressionErrors(config, { nodeId: 'http1' });
    expect(problems).toEqual([
      {
        nodeId: 'http1',
        field: 'headers.Authorization',
        path: ['headers', 'Authorization'],
        position: 15,
        message: 'Expected ")" before end of expression',
      },
      {
        nodeId: 'http1',
        field: 'body[2].x',
        path: ['body', 2, 'x'],
        position: expect.any(Number),
        message: expect.stringMatching(/end of expression/),
      },
      {
        nodeId: 'http1',
        field: 'tail',
        path: ['tail'],
        position: 2,
        message: 'Unclosed expression: "{{" has no matching "}}"',
      },
      { nodeId: 'http1', field: '["X-Odd"]', path: ['X-Odd'], position: 2, message: 'Empty expression' },
    ]);
  });

  it('points the position into the right expression of a template', () => {
    const value = '{{ a }} and {{ b c }}';
    const [problem] = findExpressionErrors({ v: value }, { nodeId: 'n' });
    expect(problem?.position).toBeGreaterThan(value.indexOf('{{ b'));
    expect(problem?.position).toBeLessThanOrEqual(value.length);
  });

  it('checks raw JSONata fields as a whole, and only names the node when given', () => {
    expect(findExpressionErrors({ expression: '$map(' }, { rawFields: ['expression'] })).toEqual([
      { field: 'expression', path: ['expression'], position: 5, message: expect.any(String) },
    ]);
    expect(findExpressionErrors({ expression: 'a.b' }, { rawFields: ['expression'] })).toEqual([]);
  });

  it('works on a bare string config', () => {
    expect(findExpressionErrors('{{ ( }}')).toHaveLength(1);
  });
});

describe('referencedNodeIds', () => {
  it('finds nodes.<id> and $nodes.<id> through the AST', () => {
    const config = {
      url: '{{ nodes.http1.body.url }}',
      headers: { A: 'x {{ $nodes.auth.token }} y', B: '{{ nodes.`my-node`.value & nodes."quoted".v }}' },
      list: ['{{ $$.nodes.root1 }}', '{{ $.nodes.root2 }}', '{{ $lookup(nodes, "looked") }}'],
    };
    expect(referencedNodeIds(config)).toEqual([
      'http1',
      'auth',
      'my-node',
      'quoted',
      'root1',
      'root2',
      'looked',
    ]);
  });

  it('finds references nested in functions, conditions, objects, lambdas and predicates', () => {
    const expression =
      '{{ $count(nodes.a.items) > 0 ? {"x": nodes.b.x} : ($f := function($v){ nodes.c.y }; $f(1)) }}' +
      '{{ trigger.items[id = $$.nodes.d.id] }}{{ nodes.e.list[0].name }}{{ nodes.f.xs^(nodes.g) }}';
    expect(referencedNodeIds({ v: expression })).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('does not report a nodes field read in another context, strings, or other roots', () => {
    const config = {
      a: '{{ trigger.items[nodes.x.ok].id }}',
      b: '{{ trigger.nodes.y }}',
      c: 'nodes.z is plain text',
      d: '{{ "nodes.w" }}',
      e: '{{ $lookup(nodes, $dynamic) }}',
      f: '{{ nodes }}',
    };
    expect(referencedNodeIds(config)).toEqual([]);
  });

  it('deduplicates and skips expressions that do not compile', () => {
    expect(referencedNodeIds({ a: '{{ nodes.a.x }}', b: '{{ nodes.a.y }}', c: '{{ nodes.b.( }}' })).toEqual([
      'a',
    ]);
  });

  it('reads raw JSONata fields when told which they are', () => {
    expect(referencedNodeIds({ expression: 'nodes.src.items' }, { rawFields: ['expression'] })).toEqual([
      'src',
    ]);
    expect(referencedNodeIds({ expression: 'nodes.src.items' })).toEqual([]);
  });

  it('says which field makes each reference', () => {
    expect(findNodeReferences({ headers: { A: '{{ nodes.auth.t }}' }, body: ['{{ nodes.a.b }}'] })).toEqual([
      { nodeId: 'auth', field: 'headers.A', path: ['headers', 'A'] },
      { nodeId: 'a', field: 'body[0]', path: ['body', 0] },
    ]);
  });
});
