import { describe, expect, it } from 'vitest';
import { withCodeBudget } from './budget.js';
import type { CodeRunRequest } from './types.js';

const request = (timeLimitMs: number): CodeRunRequest => ({
  code: 'return 1;',
  data: { input: null, trigger: null, nodes: {}, run: null, item: null, index: null },
  timeLimitMs,
  memoryLimitBytes: 16 * 1_048_576,
});

describe('withCodeBudget', () => {
  it('gives each execution what is left of the budget, then fails code at once', async () => {
    const limits: number[] = [];
    const runner = withCodeBudget(async (r) => {
      limits.push(r.timeLimitMs);
      return { ok: true, value: 1, logs: [], cpuMs: 400 };
    }, 1_000);
    expect(await runner(request(1_000))).toMatchObject({ ok: true });
    expect(await runner(request(300))).toMatchObject({ ok: true });
    expect(await runner(request(1_000))).toMatchObject({ ok: true });
    expect(limits).toEqual([1_000, 300, 200]);
    expect(await runner(request(1_000))).toEqual({
      ok: false,
      error: { kind: 'timeout', message: "the preview's CPU-time budget for code (1000 ms) is used up" },
      logs: [],
      cpuMs: 0,
    });
    expect(limits).toHaveLength(3);
  });

  it('says so when the budget, not the node, set the limit that stopped the code', async () => {
    const runner = withCodeBudget(
      async (r) => ({
        ok: false,
        error: {
          kind: 'timeout',
          message: `the code ran longer than its CPU-time limit of ${r.timeLimitMs} ms`,
        },
        logs: [],
        cpuMs: r.timeLimitMs,
      }),
      500,
    );
    expect(await runner(request(1_000))).toMatchObject({
      error: {
        message:
          "the code ran longer than its CPU-time limit of 500 ms: what was left of the preview's CPU-time budget for code (500 ms)",
      },
    });
  });
});
