import { describe, expect, it, vi } from 'vitest';
import { ExpressionError } from './expression-error.js';
import type { EvaluationScope } from './evaluation-options.js';
import { evaluateExpression, resolveConfig } from './resolve.js';

const scope: EvaluationScope = {
  trigger: { body: { id: 42, name: 'Ada', tags: ['a', 'b'], active: true, nested: { k: 'v' } } },
  nodes: {
    auth: { token: 's3cr3t' },
    list: { items: [{ price: 2 }, { price: 3 }] },
    'my-node': { value: 'dashed' },
  },
  run: { id: 'run_1', scenarioId: 'sc_1', startedAt: '2025-01-01T00:00:00.000Z' },
};

async function expressionErrorOf(promise: Promise<unknown>): Promise<ExpressionError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ExpressionError) return err;
    throw err;
  }
  throw new Error('expected an ExpressionError');
}

describe('resolveConfig', () => {
  it('keeps the type of a whole-value expression', async () => {
    const resolved = await resolveConfig(
      {
        id: '{{ trigger.body.id }}',
        active: ' {{ trigger.body.active }} ',
        tags: '{{ trigger.body.tags }}',
        nested: '{{ trigger.body.nested }}',
        total: '{{ $sum(nodes.list.items.price) }}',
        prices: '{{ nodes.list.items.price }}',
        missing: '{{ trigger.body.nope }}',
        built: '{{ {"id": trigger.body.id, "n": [1, 2]} }}',
      },
      scope,
      { nodeId: 'n1' },
    );
    expect(resolved).toEqual({
      id: 42,
      active: true,
      tags: ['a', 'b'],
      nested: { k: 'v' },
      total: 5,
      prices: [2, 3],
      missing: undefined,
      built: { id: 42, n: [1, 2] },
    });
  });

  it('returns plain arrays, not JSONata sequences', async () => {
    const resolved = (await resolveConfig({ prices: '{{ nodes.list.items.price }}' }, scope, {
      nodeId: 'n1',
    })) as {
      prices: unknown[];
    };
    expect(Object.keys(resolved.prices)).toEqual(['0', '1']);
    expect(JSON.stringify(resolved)).toBe('{"prices":[2,3]}');
  });

  it('stringifies template parts: objects as JSON, nothing as empty', async () => {
    const resolved = await resolveConfig(
      {
        greeting: 'Hello {{ trigger.body.name }} #{{ trigger.body.id }}!',
        json: 'data={{ trigger.body.nested }} tags={{ trigger.body.tags }}',
        empty: '[{{ trigger.body.nope }}][{{ null }}]',
        flags: '{{ trigger.body.active }}/{{ 1.5 }}',
        twice: '{{ "a" }}{{ "b" }}',
      },
      scope,
      { nodeId: 'n1' },
    );
    expect(resolved).toEqual({
      greeting: 'Hello Ada #42!',
      json: 'data={"k":"v"} tags=["a","b"]',
      empty: '[][]',
      flags: 'true/1.5',
      twice: 'ab',
    });
  });

  it('turns \\{{ into a literal {{', async () => {
    const resolved = await resolveConfig(
      { a: 'Use \\{{ name }} in templates', b: '\\{{ {{ trigger.body.id }} }}' },
      scope,
      { nodeId: 'n1' },
    );
    expect(resolved).toEqual({ a: 'Use {{ name }} in templates', b: '{{ 42 }}' });
  });

  it('resolves nested objects and arrays, passes other values through and leaves the input alone', async () => {
    const when = new Date(0);
    const config = {
      method: 'POST',
      retries: 3,
      on: false,
      none: null,
      when,
      headers: { Authorization: 'Bearer {{ $nodes.auth.token }}', 'X-Run': '{{ $run.id }}' },
      body: [{ x: '{{ nodes.`my-node`.value }}' }, ['{{ trigger.body.id + 1 }}', 7]],
    };
    const snapshot = structuredClone(config);
    const resolved = await resolveConfig(config, scope, { nodeId: 'n1' });
    expect(resolved).toEqual({
      method: 'POST',
      retries: 3,
      on: false,
      none: null,
      when,
      headers: { Authorization: 'Bearer s3cr3t', 'X-Run': 'run_1' },
      body: [{ x: 'dashed' }, [43, 7]],
    });
    expect(config).toEqual(snapshot);
  });

  it('leaves raw JSONata fields for the node', async () => {
    const resolved = await resolveConfig(
      { expression: 'nodes.list.items.price', label: '{{ trigger.body.name }}' },
      scope,
      { nodeId: 't1', rawFields: ['expression'] },
    );
    expect(resolved).toEqual({ expression: 'nodes.list.items.price', label: 'Ada' });
  });

  it('reports a syntax error with node, field and position', async () => {
    const error = await expressionErrorOf(
      resolveConfig({ headers: { Authorization: 'Bearer {{ foo( }}' } }, scope, { nodeId: 'http1' }),
    );
    expect(error.message).toBe(
      'node "http1", field "headers.Authorization" at 15: Expected ")" before end of expression',
    );
    expect(error).toMatchObject({
      code: 'expression_error',
      retryable: false,
      nodeId: 'http1',
      field: 'headers.Authorization',
      position: 15,
      jsonataCode: 'S0203',
      details: { nodeId: 'http1', field: 'headers.Authorization', position: 15, jsonataCode: 'S0203' },
    });
  });

  it('reports an evaluation error (an unknown function) with node, field and position', async () => {
    const value = 'x = {{ $nope(trigger.body.id) }}';
    const error = await expressionErrorOf(
      resolveConfig({ body: [{}, { x: value }] }, scope, { nodeId: 'map1' }),
    );
    expect(error.message).toMatch(/^node "map1", field "body\[1\]\.x" at \d+: "\$nope" is not a function$/);
    expect(error.jsonataCode).toBe('T1006');
    expect(error.position).toBeGreaterThanOrEqual(value.indexOf('$nope'));
    expect(error.position).toBeLessThan(value.length);
  });

  it('reports a type error raised while evaluating', async () => {
    const error = await expressionErrorOf(
      resolveConfig({ n: '{{ trigger.body.name + 1 }}' }, scope, { nodeId: 'n' }),
    );
    expect(error.message).toMatch(
      /^node "n", field "n" at \d+: The left side of the "\+" operator must evaluate to a number$/,
    );
  });

  it('reports an unclosed {{', async () => {
    const error = await expressionErrorOf(resolveConfig({ a: 'x {{ y' }, scope, { nodeId: 'n' }));
    expect(error.message).toBe('node "n", field "a" at 2: Unclosed expression: "{{" has no matching "}}"');
  });

  it('refuses a result that is a function', async () => {
    const error = await expressionErrorOf(
      resolveConfig({ f: '{{ function($x) { $x } }}' }, scope, { nodeId: 'n' }),
    );
    expect(error.message).toMatch(/evaluated to a function/);
    await expect(resolveConfig({ f: '{{ $uppercase }}' }, scope, { nodeId: 'n' })).rejects.toThrow(
      ExpressionError,
    );
  });

  it('stops infinite tail recursion with the time limit', async () => {
    const error = await expressionErrorOf(
      resolveConfig({ loop: '{{ ($f := function($n) { $f($n + 1) }; $f(0)) }}' }, scope, {
        nodeId: 'loop1',
        timeoutMs: 100,
      }),
    );
    // The time limit's own error: nothing else ends an infinite loop.
    expect(error.jsonataCode).toBe('D1012');
    expect(error.message).toMatch(
      /^node "loop1", field "loop" at \d+: Evaluation exceeded the time limit of 100 ms; check for an infinite loop/,
    );
    // Out of time may be the machine's load: a step retries it; other expression errors do not.
    expect(error.retryable).toBe(true);
  });

  it('stops infinite non-tail recursion with the depth limit', async () => {
    const error = await expressionErrorOf(
      resolveConfig({ loop: '{{ ($f := function($n) { 1 + $f($n + 1) }; $f(0)) }}' }, scope, {
        nodeId: 'loop2',
        maxDepth: 200,
      }),
    );
    expect(error.jsonataCode).toBe('D1011');
    expect(error.message).toMatch(/maximum depth of 200/);
  });

  it('allows bounded recursion under the default limits', async () => {
    const resolved = await resolveConfig(
      { f: '{{ ($fact := function($n) { $n <= 1 ? 1 : $n * $fact($n - 1) }; $fact(20)) }}' },
      scope,
      { nodeId: 'n' },
    );
    expect(resolved).toEqual({ f: 2432902008176640000 });
  });

  it('shares one time budget across all expressions of a config', async () => {
    // A clock that advances 300 ms whenever the scope's trigger is read (twice per expression here):
    // each expression alone fits a 1000 ms budget, but after two the budget is spent.
    let clock = 1_000_000;
    const now = vi.spyOn(Date, 'now').mockImplementation(() => clock);
    const ticking = {
      nodes: {},
      get trigger() {
        clock += 300;
        return { x: 1 };
      },
    };
    try {
      const error = await expressionErrorOf(
        resolveConfig({ a: '{{ trigger.x }}', b: '{{ trigger.x }}', c: '{{ trigger.x }}' }, ticking, {
          nodeId: 'n',
          timeoutMs: 1000,
        }),
      );
      expect(error.field).toBe('c');
      expect(error.jsonataCode).toBe('D1012');
      expect(error.message).toMatch(/time limit of 1000 ms/);
    } finally {
      now.mockRestore();
    }
  });

  it('returns a config without expressions as is', async () => {
    expect(await resolveConfig({ a: 1, b: 'plain', c: [true] }, scope, { nodeId: 'n' })).toEqual({
      a: 1,
      b: 'plain',
      c: [true],
    });
    expect(await resolveConfig('just text', scope, { nodeId: 'n' })).toBe('just text');
  });
});

describe('evaluateExpression', () => {
  it('evaluates raw JSONata for a trigger filter', async () => {
    await expect(evaluateExpression('trigger.body.active and trigger.body.id > 40', scope)).resolves.toBe(
      true,
    );
    await expect(evaluateExpression('trigger.body.name = "Bob"', scope)).resolves.toBe(false);
    await expect(evaluateExpression('trigger.body.missing', scope)).resolves.toBeUndefined();
  });

  it('accepts one {{ }}-wrapped expression', async () => {
    await expect(evaluateExpression('{{ trigger.body.tags }}', scope)).resolves.toEqual(['a', 'b']);
    await expect(evaluateExpression('  {{ trigger.body.id > 40 }} ', scope)).resolves.toBe(true);
  });

  it('reads anything else as raw JSONata, even with braces that look like a template', async () => {
    await expect(
      evaluateExpression('$map(trigger.body.tags, function($v){{"t": $v}})', scope),
    ).resolves.toEqual([{ t: 'a' }, { t: 'b' }]);
    await expect(evaluateExpression('{"id": trigger.body.id}', scope)).resolves.toEqual({ id: 42 });
  });

  it('binds extra scope entries as variables and fields', async () => {
    const withInput = { ...scope, input: { n: 2 } };
    await expect(evaluateExpression('input.n + $input.n', withInput)).resolves.toBe(4);
  });

  it('names the field and node in its errors when given', async () => {
    const error = await expressionErrorOf(evaluateExpression('trigger.(', scope, { field: 'filter' }));
    expect(error.message).toMatch(/^field "filter" at \d+: /);
    const withNode = await expressionErrorOf(
      evaluateExpression('$nope()', scope, { nodeId: 'wh', field: 'filter' }),
    );
    expect(withNode.message).toMatch(/^node "wh", field "filter" at \d+: "\$nope" is not a function$/);
    const bare = await expressionErrorOf(evaluateExpression('', scope));
    expect(bare.message).toBe('at 0: Empty expression');
  });
});
