import { describe, expect, it } from 'vitest';
import type { CodeData, CodeRunRequest } from '../code/types.js';
import { runCodeInSandbox } from './run-code.js';

const data: CodeData = {
  input: { total: 150, lines: [{ price: 100 }, { price: 50 }] },
  trigger: { body: { id: 7 } },
  nodes: { fetch: { status: 200, body: { tier: 'gold' } } },
  run: { id: 'run1', scenarioId: 'sc1', startedAt: '2030-01-01T00:00:00.000Z' },
  item: null,
  index: null,
};
const run = (code: string, extra: Partial<CodeRunRequest> = {}) =>
  runCodeInSandbox({ code, data, timeLimitMs: 1_000, memoryLimitBytes: 32 * 1_048_576, ...extra });

describe('runCodeInSandbox', () => {
  it('returns what the code returns, computed from its data', async () => {
    const outcome = await run(
      'const sum = input.lines.reduce((s, l) => s + l.price, 0);\nreturn { id: trigger.body.id, sum, tier: nodes.fetch.body.tier, run: run.id };',
    );
    expect(outcome).toEqual({
      ok: true,
      value: { id: 7, sum: 150, tier: 'gold', run: 'run1' },
      logs: [],
      cpuMs: expect.any(Number),
    });
  });

  it('awaits async code and gives no return as null', async () => {
    expect(await run('const v = await Promise.resolve(2);\nreturn v * 21;')).toMatchObject({
      ok: true,
      value: 42,
    });
    expect(await run('const x = 1;')).toMatchObject({ ok: true, value: null });
  });

  it('passes console lines on, within their limit', async () => {
    const outcome = await run(
      'console.log("total", input.total, { a: 1 });\nconsole.warn("careful");\nreturn 1;',
    );
    expect(outcome.logs).toEqual([
      { level: 'info', message: 'total 150 {"a":1}' },
      { level: 'warn', message: 'careful' },
    ]);
    const many = await run('for (let i = 0; i < 150; i++) console.log(i);');
    expect(many.logs).toHaveLength(101);
    expect(many.logs.at(-1)?.message).toBe('50 more console lines were dropped (at most 100)');
  });

  it('reports a thrown error with its line and column in the code', async () => {
    const outcome = await run(
      'const a = 1;\nfunction check(x) {\n  if (x > 0) throw new RangeError("too big: " + x);\n}\ncheck(a);',
    );
    expect(outcome).toMatchObject({
      ok: false,
      error: { kind: 'thrown', name: 'RangeError', message: 'RangeError: too big: 1', line: 3, column: 34 },
    });
    if (outcome.ok) return;
    expect(outcome.error.stack).toBe('at check (line 3, column 34)\nat the code (line 5, column 6)');
  });

  it('reports a runtime error on the first line at its column in the code', async () => {
    const outcome = await run('return null.x;');
    expect(outcome).toMatchObject({
      ok: false,
      error: { kind: 'thrown', name: 'TypeError', line: 1, column: 12 },
    });
  });

  it('reports a rejected promise and a thrown non-error', async () => {
    expect(await run('await Promise.reject(new Error("nope"));')).toMatchObject({
      ok: false,
      error: { kind: 'thrown', message: 'Error: nope', line: 1 },
    });
    expect(await run('throw "plain";')).toMatchObject({
      ok: false,
      error: { kind: 'thrown', message: 'threw "plain"' },
    });
  });

  it('reports a syntax error with its line', async () => {
    const outcome = await run('const a = 1;\n\nreturn a +;');
    expect(outcome).toMatchObject({ ok: false, error: { kind: 'syntax', name: 'SyntaxError', line: 3 } });
  });

  it('stops an infinite loop at the CPU-time limit, even one that catches errors', async () => {
    const outcome = await run('while (true) {}', { timeLimitMs: 100 });
    expect(outcome).toMatchObject({
      ok: false,
      error: { kind: 'timeout', message: 'the code ran longer than its CPU-time limit of 100 ms' },
    });
    const caught = await run('for (;;) { try { while (true) {} } catch (e) {} }', { timeLimitMs: 100 });
    expect(caught).toMatchObject({ ok: false, error: { kind: 'timeout' } });
    const looping = await run('await null; while (true) {}', { timeLimitMs: 100 });
    expect(looping).toMatchObject({ ok: false, error: { kind: 'timeout' } });
  });

  it('stops memory bombs at the memory limit: many small objects and a few large strings', async () => {
    const limit = { memoryLimitBytes: 16 * 1_048_576 };
    const objects = await run('const a = [];\nwhile (true) a.push({ n: a.length, l: [1, 2, 3] });', limit);
    expect(objects).toMatchObject({
      ok: false,
      error: { kind: 'memory', message: 'the code used more than its memory limit of 16 MiB' },
    });
    const strings = await run(
      'const a = [];\nfor (let i = 0; i < 40; i++) a.push("x".repeat(1000000) + i);\nreturn a.length;',
      limit,
    );
    expect(strings).toMatchObject({ ok: false, error: { kind: 'memory' } });
    const buffer = await run('return new ArrayBuffer(100 * 1024 * 1024).byteLength;', limit);
    expect(buffer).toMatchObject({ ok: false, error: { kind: 'memory' } });
    // The same code fits a larger limit: the limit is what stopped it.
    const roomy = await run(
      'const a = [];\nfor (let i = 0; i < 40; i++) a.push("x".repeat(1000000) + i);\nreturn a.length;',
      {
        memoryLimitBytes: 128 * 1_048_576,
      },
    );
    expect(roomy).toMatchObject({ ok: true, value: 40 });
  });

  it('says so when the data alone does not fit the memory limit', async () => {
    const big = {
      ...data,
      nodes: { rows: Array.from({ length: 200_000 }, (_, i) => ({ id: i, name: `row ${i}` })) },
    };
    const outcome = await runCodeInSandbox({
      code: 'return 1;',
      data: big,
      timeLimitMs: 5_000,
      memoryLimitBytes: 16 * 1_048_576,
    });
    expect(outcome).toMatchObject({ ok: false, error: { kind: 'memory' } });
    if (outcome.ok) return;
    expect(outcome.error.message).toMatch(
      /^the code's data \(\d+\.\d MiB as JSON\) does not fit its memory limit of 16 MiB$/,
    );
  });

  it('stops deep recursion as an error of the code', async () => {
    const outcome = await run('function f() { return f(); }\nreturn f();');
    expect(outcome).toMatchObject({ ok: false, error: { kind: 'thrown', name: 'InternalError', line: 1 } });
  });

  it('has no process, require, fetch, timers or module loading, and globalThis holds only the language', async () => {
    const outcome = await run(`return {
      process: typeof process, require: typeof require, fetch: typeof fetch, setTimeout: typeof setTimeout,
      XMLHttpRequest: typeof XMLHttpRequest, WebAssembly: typeof WebAssembly, Deno: typeof Deno, std: typeof std, os: typeof os,
      globals: Object.getOwnPropertyNames(globalThis).filter((k) => !/^[A-Z]/.test(k)).sort(),
    };`);
    expect(outcome).toMatchObject({
      ok: true,
      value: {
        process: 'undefined',
        require: 'undefined',
        fetch: 'undefined',
        setTimeout: 'undefined',
        XMLHttpRequest: 'undefined',
        WebAssembly: 'undefined',
        Deno: 'undefined',
        std: 'undefined',
        os: 'undefined',
      },
    });
    if (!outcome.ok) return;
    const globals = (outcome.value as { globals: string[] }).globals;
    expect(globals).not.toContain('process');
    expect(globals).toEqual(expect.arrayContaining(['console', 'globalThis', 'parseInt']));
    expect(
      await run('return import("node:fs").then(() => "loaded", (e) => "refused: " + e.message);'),
    ).toMatchObject({
      ok: true,
      value: expect.stringMatching(/^refused: /),
    });
    expect(await run('return require("fs");')).toMatchObject({
      ok: false,
      error: { kind: 'thrown', name: 'ReferenceError' },
    });
    expect(await run('return fetch("http://127.0.0.1/");')).toMatchObject({
      ok: false,
      error: { name: 'ReferenceError' },
    });
  });

  it('gives no way out through constructors: Function builds functions inside the sandbox only', async () => {
    const outcome = await run(`
      const viaConstructor = (function () {}).constructor('return typeof process')();
      const global = (0, eval)('this');
      const proto = Object.getPrototypeOf(async function () {}).constructor;
      return { viaConstructor, sameGlobal: global === globalThis, processOnGlobal: 'process' in global, asyncCtor: typeof proto };`);
    expect(outcome).toMatchObject({
      ok: true,
      value: { viaConstructor: 'undefined', sameGlobal: true, processOnGlobal: false },
    });
  });

  it('keeps nothing from one execution to the next', async () => {
    expect(await run('globalThis.leaked = 42; Object.prototype.polluted = true; return 1;')).toMatchObject({
      ok: true,
    });
    expect(await run('return [typeof leaked, ({}).polluted === undefined];')).toMatchObject({
      ok: true,
      value: ['undefined', true],
    });
  });

  it('refuses a result that is not plain data, naming the part', async () => {
    expect(await run('return { at: new Date(0) };')).toMatchObject({
      ok: false,
      error: {
        kind: 'result',
        message:
          'TypeError: the result.at is a Date, not a plain object or array (return date.toISOString())',
      },
    });
    expect(await run('return { list: [1, () => 2] };')).toMatchObject({
      ok: false,
      error: { kind: 'result', message: 'TypeError: the result.list[1] is a function, not plain data' },
    });
    expect(await run('const a = {}; a.self = a; return a;')).toMatchObject({
      ok: false,
      error: { kind: 'result', message: 'TypeError: the result.self refers back to itself (a cycle)' },
    });
    expect(await run('return { n: 1 / 0 };')).toMatchObject({ ok: false, error: { kind: 'result' } });
    expect(await run('return new Map();')).toMatchObject({ ok: false, error: { kind: 'result' } });
    // Replacing JSON.stringify does not change what leaves the sandbox.
    expect(await run('JSON.stringify = () => "{bad"; return { fine: true };')).toMatchObject({
      ok: true,
      value: { fine: true },
    });
  });

  it('reports a promise that never settles', async () => {
    expect(await run('await new Promise(() => {});')).toMatchObject({
      ok: false,
      error: { kind: 'pending' },
    });
  });
});
