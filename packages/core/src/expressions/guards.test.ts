import { afterEach, describe, expect, it } from 'vitest';
import { boundedCost } from './bounded.js';
import { compileExpression, MAX_SEQUENCE_LENGTH } from './compile.js';
import { type ExpressionEvaluator, setExpressionEvaluator } from './evaluator.js';
import { ExpressionError } from './expression-error.js';
import { compileProblem } from '../nodes/raw-expression.js';
import type { EvaluationScope } from './evaluation-options.js';
import { evaluateExpression, resolveConfig } from './resolve.js';

const scope: EvaluationScope = {
  trigger: { body: { name: 'Ann', items: [{ price: 2 }, { price: 3 }], text: 'order 42 and 7' } },
  nodes: {},
};

async function expressionErrorOf(promise: Promise<unknown>): Promise<ExpressionError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ExpressionError);
  return error as ExpressionError;
}

describe('regular expressions run on RE2', () => {
  it('a catastrophic pattern over a long input answers (linear time, no backtracking)', async () => {
    // Minutes for a backtracking engine; the `or` after the match makes JSONata check its time
    // budget once the match returns, so without RE2 this fails (expression_timeout) instead of passing late.
    const input = `${'a'.repeat(34)}!`;
    const options = { timeoutMs: 5_000 };
    await expect(
      evaluateExpression(`$contains("${input}", /^(a+)+$/) or false`, scope, options),
    ).resolves.toBe(false);
    await expect(evaluateExpression(`$contains("${'a'.repeat(34)}", /^(a+)+$/)`, scope)).resolves.toBe(true);
  });

  it('matches, groups, positions, flags, replace and split behave as JSONata documents them', async () => {
    await expect(evaluateExpression('$match(trigger.body.text, /(\\d+)/)', scope)).resolves.toEqual([
      { match: '42', index: 6, groups: ['42'] },
      { match: '7', index: 13, groups: ['7'] },
    ]);
    await expect(evaluateExpression('$replace(trigger.body.text, /\\d+/, "#")', scope)).resolves.toBe(
      'order # and #',
    );
    await expect(evaluateExpression('$split("a1b22c", /\\d+/)', scope)).resolves.toEqual(['a', 'b', 'c']);
    await expect(evaluateExpression('$contains("ÉTÉ", /été/i)', scope)).resolves.toBe(true);
    await expect(evaluateExpression('$match("x\\ny", /^y$/m).index', scope)).resolves.toBe(2);
  });

  it('a pattern RE2 cannot run (lookahead, backreference) is refused when it compiles, with its position', async () => {
    const compiled = compileExpression('$contains(trigger.body.name, /(?=A)n/)');
    expect(compiled.ok).toBe(false);
    if (compiled.ok) return;
    expect(compiled.failure.message).toContain('/(?=A)n/ is not supported');
    expect(compiled.failure.message).toContain('RE2');
    expect(compiled.failure.position).toBe(37);
    expect(compileProblem('$replace("aa", /(a)\\1/, "")')).toContain('is not supported');
    const error = await expressionErrorOf(
      evaluateExpression('$match("x", /(?<=x)y/)', scope, { field: 'f' }),
    );
    expect(error.code).toBe('expression_error');
    expect(error.message).toContain('field "f"');
  });
});

describe('the sequence limit', () => {
  it('a range beyond the limit fails before its items are made, as expression_limit', async () => {
    const error = await expressionErrorOf(
      resolveConfig({ n: '{{ $count([1..10000000]) }}' }, scope, { nodeId: 'big' }),
    );
    expect(error.code).toBe('expression_limit');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('node "big", field "n"');
    expect(error.message).toContain(`more than ${MAX_SEQUENCE_LENGTH.toLocaleString('en')} items`);
  });

  it('a sequence built past the limit fails too; one at the limit is fine', async () => {
    // A budget no loaded machine runs out of: the limit, not the time, is under test.
    const options = { timeoutMs: 120_000 };
    await expect(evaluateExpression(`$count([1..${MAX_SEQUENCE_LENGTH}])`, scope, options)).resolves.toBe(
      MAX_SEQUENCE_LENGTH,
    );
    const error = await expressionErrorOf(
      evaluateExpression('$count($append([1..600000], [1..600000]))', scope, options),
    );
    expect(error.code).toBe('expression_limit');
  });
});

describe('bounded expressions', () => {
  const cost = (source: string) => {
    const compiled = compileExpression(source);
    if (!compiled.ok) throw new Error(compiled.failure.message);
    expect(compiled.cost).toBe(boundedCost(compiled.expression.ast()));
    return compiled.cost;
  };

  it('paths, literals, operators, constructors and one-pass built-ins are bounded', () => {
    for (const source of [
      'trigger.body.name',
      '$trigger.body.items[0].price',
      'trigger.body.action = "opened" and $exists(trigger.body.id)',
      '"Bearer " & nodes.auth.body.token',
      '{ "id": trigger.body.id, "tags": [1, "a", true, null] }',
      'trigger.body.n > 3 ? $uppercase(trigger.body.name) : -trigger.body.n',
      '$join(trigger.body.tags, ", ")',
      '$substring($string(trigger.body), 0, 10)',
    ]) {
      expect(cost(source), source).toBeGreaterThan(0);
    }
  });

  it('functions, regular expressions, ranges, predicates, bindings, joins and sorts are not', () => {
    for (const source of [
      '$map(trigger.body.items, function($i) { $i.price })',
      '$contains(trigger.body.name, /a/)',
      '[1..10]',
      'trigger.body.items[price > 2]',
      '($x := 1; $x)',
      'trigger.body.items@$i.price',
      'trigger.body.items^(price)',
      '$distinct(trigger.body.items)',
      '$eval("1 + 1")',
      'trigger.body.items.($$.trigger)',
      'trigger.**',
      '$contains(trigger.body.text, trigger.body.name)',
      '$join(trigger.body.tags, trigger.body.name)',
      '$string(trigger.body, true)',
    ]) {
      expect(cost(source), source).toBeUndefined();
    }
  });
});

describe('an installed evaluator', () => {
  const sent: string[] = [];
  const recording: ExpressionEvaluator = {
    async resolveConfig(config) {
      sent.push(JSON.stringify(config));
      return 'from the evaluator';
    },
    async evaluateExpression(expression) {
      sent.push(expression);
      return 'from the evaluator';
    },
  };
  afterEach(() => {
    setExpressionEvaluator(undefined);
    sent.length = 0;
  });

  it('gets every config or expression that is not bounded; bounded ones stay on this thread', async () => {
    setExpressionEvaluator(recording);
    expect(
      await resolveConfig({ a: '{{ trigger.body.name }}', b: 'x {{ 1 + 2 }}' }, scope, { nodeId: 'n' }),
    ).toEqual({ a: 'Ann', b: 'x 3' });
    expect(await evaluateExpression('{{ trigger.body.name = "Ann" }}', scope)).toBe(true);
    expect(sent).toEqual([]);

    const config = { a: '{{ trigger.body.name }}', b: '{{ $sum(trigger.body.items.(price * 2)) }}' };
    expect(await resolveConfig(config, scope, { nodeId: 'n' })).toBe('from the evaluator');
    expect(await evaluateExpression('$contains("aaa", /a+/)', scope)).toBe('from the evaluator');
    expect(sent).toEqual([JSON.stringify(config), '$contains("aaa", /a+/)']);
  });

  it('raw fields left for the node do not count; a syntax error is reported on this thread', async () => {
    setExpressionEvaluator(recording);
    const resolved = await resolveConfig(
      { expression: '$map([1], function($v){ $v })', n: '{{ 1 }}' },
      scope,
      {
        nodeId: 'n',
        rawFields: ['expression'],
      },
    );
    expect(resolved).toEqual({ expression: '$map([1], function($v){ $v })', n: 1 });
    await expressionErrorOf(resolveConfig({ a: '{{ trigger.( }}' }, scope, { nodeId: 'n' }));
    expect(sent).toEqual([]);
  });
});
