import { describe, expect, it } from 'vitest';
import { dryRun } from '../dry-run/dry-run.js';
import { validateGraph } from '../graph/validate-graph.js';
import { registryLookup } from '../nodes/lookup.js';
import { runCodeInSandbox } from '../sandbox/run-code.js';
import { executeRun } from './execute-run.js';
import { edge, fakeHost, json, node, runOf } from './test-host.js';

const code = (id: string, source: string, extra: Record<string, unknown> = {}) =>
  node(id, 'code', { code: source, ...extra });

describe('code nodes in a run', () => {
  it('compute their output from input, trigger and nodes; the next node reads it; console lines reach the run log', async () => {
    const host = fakeHost(() => json(200, { tier: 'gold' }));
    const outcome = await executeRun(
      runOf(
        [
          node('start', 'trigger.manual', {}),
          node('fetch', 'http.request', { url: 'https://api.example.com/customer' }),
          code(
            'score',
            'console.log("scoring", trigger.body.total);\nreturn { total: trigger.body.total * 2, tier: nodes.fetch.body.tier, status: input.status, run: run.id };',
          ),
          node('after', 'transform', { expression: 'input.total + 1' }),
        ],
        [edge('start', 'fetch'), edge('fetch', 'score'), edge('score', 'after')],
      ),
      host,
    );
    expect(outcome).toEqual({ status: 'succeeded' });
    expect(host.last('score')).toMatchObject({
      status: 'succeeded',
      output: { total: 300, tier: 'gold', status: 200, run: 'r1' },
    });
    expect(host.last('after')?.output).toBe(301);
    expect(host.logs).toContain('info score scoring 150');
  });

  it('a thrown error fails the run with its line; an error path can take it', async () => {
    const failing = code(
      'check',
      'const total = trigger.body.total;\nif (total > 100) throw new Error("total " + total + " is too high");\nreturn total;',
    );
    const host = fakeHost();
    const outcome = await executeRun(
      runOf([node('start', 'trigger.manual', {}), failing], [edge('start', 'check')]),
      host,
    );
    expect(outcome).toMatchObject({
      status: 'failed',
      error: {
        code: 'code_error',
        message: 'node "check", field "code": Error: total 150 is too high (line 2, column 33)',
        retryable: false,
        details: { kind: 'thrown', name: 'Error', line: 2, column: 33 },
      },
    });

    const handled = fakeHost();
    const viaErrorPath = await executeRun(
      runOf(
        [
          node('start', 'trigger.manual', {}),
          failing,
          node('why', 'transform', { expression: 'input.code' }),
        ],
        [edge('start', 'check'), edge('check', 'why', 'error')],
      ),
      handled,
    );
    expect(viaErrorPath).toEqual({ status: 'succeeded' });
    expect(handled.last('check')).toMatchObject({ status: 'failed', handled: true });
    expect(handled.last('why')?.output).toBe('code_error');
  });

  it('an endless loop fails the step at its time limit, not retried', async () => {
    const host = fakeHost();
    const outcome = await executeRun(
      runOf(
        [node('start', 'trigger.manual', {}), code('spin', 'while (true) {}', { timeLimitMs: 50 })],
        [edge('start', 'spin')],
      ),
      host,
    );
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'code_timeout', retryable: false } });
    expect(host.last('spin')?.attempts).toBe(1);
  });

  it('a result that is not plain data fails the step naming the part', async () => {
    const host = fakeHost();
    const outcome = await executeRun(
      runOf(
        [node('start', 'trigger.manual', {}), code('dates', 'return { when: new Date(0) };')],
        [edge('start', 'dates')],
      ),
      host,
    );
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'code_result_invalid' } });
    if (outcome.status !== 'failed') return;
    expect(outcome.error.message).toContain('the result.when is a Date');
  });
});

describe('code nodes before a run', () => {
  const graphWith = (config: Record<string, unknown>) => ({
    nodes: [node('start', 'trigger.manual', {}), node('c', 'code', config)],
    edges: [edge('start', 'c')],
  });

  it('a syntax error is a problem on the code field with its line and column', () => {
    const problems = validateGraph(
      graphWith({ code: 'const a = 1;\nconst b = ;\nreturn a;' }),
      registryLookup,
    );
    expect(problems).toEqual([
      {
        code: 'invalid_config',
        nodeId: 'c',
        path: ['code'],
        position: { line: 2, column: 11 },
        message: 'Node "c" (code) field "code": Unexpected token (line 2, column 11)',
      },
    ]);
  });

  it('a syntax error on the first line has the column of the code, and top-level return and await parse', () => {
    const [problem] = validateGraph(graphWith({ code: 'return )' }), registryLookup);
    expect(problem?.position).toEqual({ line: 1, column: 8 });
    expect(
      validateGraph(graphWith({ code: 'const x = await Promise.resolve(1);\nreturn x;' }), registryLookup),
    ).toEqual([]);
  });

  it('{{ }} in code is JavaScript, not a template', () => {
    expect(
      validateGraph(
        graphWith({ code: 'const o = {a: {b: 1}};\nreturn [{{ }}].length ? o : null;' }),
        registryLookup,
      ),
    ).toMatchObject([{ path: ['code'], message: expect.stringContaining('(line 2,') }]);
    expect(validateGraph(graphWith({ code: ['return `{{ $', '{1} }}`;'].join('') }), registryLookup)).toEqual([]);
  });

  it('code over its size limit and limits over their maxima are problems naming the field', () => {
    const problems = validateGraph(
      graphWith({ code: 'x'.repeat(100_001), timeLimitMs: 60_000, memoryLimitMb: 1_024 }),
      registryLookup,
    );
    expect(problems.map((p) => p.message)).toEqual([
      'Node "c" (code) field "code": code is longer than 100,000 characters',
      'Node "c" (code) field "timeLimitMs": Too big: expected number to be <=10000',
      'Node "c" (code) field "memoryLimitMb": Too big: expected number to be <=256',
    ]);
    expect(validateGraph(graphWith({ code: '' }), registryLookup).map((p) => p.message)).toEqual([
      'Node "c" (code) field "code": code is required',
    ]);
  });
});

describe('code nodes in a dry-run', () => {
  it('run in the same sandbox, inside a for-each body with item and index, and report errors with their line', async () => {
    const result = await dryRun({
      runCode: runCodeInSandbox,
      scenarioId: 's1',
      graph: {
        nodes: [
          node('start', 'trigger.manual', {}),
          node('loop', 'loop.forEach', { items: '{{ trigger.body.lines }}' }),
          {
            ...code(
              'line',
              'console.log("line", index);\nreturn { index, price: item.price * 2, same: nodes.loop.price === item.price };',
            ),
            parentId: 'loop',
          },
          code('broken', 'const a = 1;\nreturn a.b.c;'),
        ],
        edges: [edge('start', 'loop'), edge('loop', 'line', 'body'), edge('loop', 'broken', 'done')],
      },
      trigger: { body: { lines: [{ price: 1 }, { price: 5 }] } },
    });
    const loop = result.nodes.find((n) => n.nodeId === 'loop');
    expect(loop?.items?.map((item) => item.output)).toEqual([
      { index: 0, price: 2, same: true },
      { index: 1, price: 10, same: true },
    ]);
    expect(result.nodes.find((n) => n.nodeId === 'line')?.logs.map((l) => l.message)).toEqual([
      'line 0',
      'line 1',
    ]);
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ code: 'code_error', details: { line: 2, name: 'TypeError' } });
  });
});
