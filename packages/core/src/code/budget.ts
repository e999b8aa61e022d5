import type { CodeRunner } from './types.js';

/**
 * A code runner whose executions share one CPU-time budget: each may take at most what is left
 * (and its own limit), and once it is spent code fails at once. A preview in the api runs code
 * on the api's thread; the budget keeps a loop of slow code from holding it for long.
 */
export function withCodeBudget(runCode: CodeRunner, budgetMs: number): CodeRunner {
  let used = 0;
  return async (request) => {
    const left = Math.floor(budgetMs - used);
    if (left <= 0) {
      return {
        ok: false,
        error: {
          kind: 'timeout',
          message: `the preview's CPU-time budget for code (${budgetMs} ms) is used up`,
        },
        logs: [],
        cpuMs: 0,
      };
    }
    const clamped = left < request.timeLimitMs;
    const outcome = await runCode(clamped ? { ...request, timeLimitMs: left } : request);
    used += outcome.cpuMs;
    if (clamped && !outcome.ok && outcome.error.kind === 'timeout') {
      return {
        ...outcome,
        error: {
          ...outcome.error,
          message: `${outcome.error.message}: what was left of the preview's CPU-time budget for code (${budgetMs} ms)`,
        },
      };
    }
    return outcome;
  };
}
