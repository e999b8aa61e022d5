import { ExpressionError } from '@weft/core';
import { ExpressionWorkerPool, inBackgroundLane } from '@weft/core/expression-workers';
import { afterAll, describe, expect, it } from 'vitest';

// The pool on its own (core's tests run on its sources, which a worker thread cannot load).
const pool = new ExpressionWorkerPool({ size: 2, memoryLimitMb: 32 });
afterAll(() => pool.close());
const scope = { trigger: { body: { n: 2 } }, nodes: {} };

async function expressionErrorOf(promise: Promise<unknown>): Promise<ExpressionError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ExpressionError);
  return error as ExpressionError;
}

describe('ExpressionWorkerPool', () => {
  it('evaluates configs and expressions on its workers, more at once than it has workers', async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        pool.resolveConfig({ v: `{{ $sum($map([1..${i + 1}], function($x) { $x })) }}` }, scope, {
          nodeId: 'n',
        }),
      ),
    );
    expect(answers).toEqual([{ v: 1 }, { v: 3 }, { v: 6 }, { v: 10 }, { v: 15 }, { v: 21 }]);
    await expect(pool.evaluateExpression('trigger.body.n * 21', scope, {})).resolves.toBe(42);
  });

  it("an evaluation's error comes back as an ExpressionError with node, field and position", async () => {
    const error = await expressionErrorOf(
      pool.resolveConfig({ headers: { a: 'x {{ $nope(1) }}' } }, scope, { nodeId: 'http1' }),
    );
    expect(error).toMatchObject({
      code: 'expression_error',
      nodeId: 'http1',
      field: 'headers.a',
      jsonataCode: 'T1006',
    });
    expect(error.message).toBe('node "http1", field "headers.a" at 11: "$nope" is not a function');
  });

  it('a built-in call that runs on is ended at its deadline; the next evaluation gets a fresh worker', async () => {
    const error = await expressionErrorOf(
      pool.evaluateExpression('$count($distinct([1..300000]))', scope, { field: 'filter', timeoutMs: 200 }),
    );
    expect(error).toMatchObject({
      code: 'expression_timeout',
      retryable: true,
      field: 'filter',
      jsonataCode: 'D1012',
    });
    expect(error.message).toContain('time limit of 200 ms');
    await expect(pool.evaluateExpression('$string(trigger.body.n)', scope, {})).resolves.toBe('2');
  });

  it('a worker past its memory limit is ended: expression_limit, and the pool goes on', async () => {
    const error = await expressionErrorOf(
      pool.evaluateExpression('$count($sort([1..1000000]))', scope, { nodeId: 'sort', timeoutMs: 60_000 }),
    );
    expect(error).toMatchObject({ code: 'expression_limit', retryable: false, nodeId: 'sort' });
    expect(error.message).toContain('more than 32 MiB of memory');
    await expect(pool.evaluateExpression('$uppercase("ok")', scope, {})).resolves.toBe('OK');
  });

  it('background work (dry-runs) never takes the last free worker: other evaluations are answered meanwhile', async () => {
    const lanes = new ExpressionWorkerPool({ size: 2 });
    try {
      // Two previews that would each hold a worker for their whole 10 s budget.
      const previews = [1, 2].map(() => {
        const state = { settled: false };
        const done = inBackgroundLane(() =>
          lanes.evaluateExpression('$count($distinct([1..300000]))', scope, { timeoutMs: 10_000 }),
        ).then(
          () => undefined,
          (error: unknown) => error,
        );
        void done.finally(() => {
          state.settled = true;
        });
        return state;
      });
      await expect(
        lanes.evaluateExpression('$sum($map([1, 2, 3], function($v) { $v }))', scope, {}),
      ).resolves.toBe(6);
      expect(previews.map((preview) => preview.settled)).toEqual([false, false]);
    } finally {
      await lanes.close();
    }
  });
});
