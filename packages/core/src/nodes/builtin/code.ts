import { z } from 'zod';
import { CODE_LIMITS } from '../../code/limits.js';
import type { CodeRunError } from '../../code/types.js';
import type { ErrorCode } from '../../errors/codes.js';
import { fatal, success } from '../results.js';
import type { ActionResult, NodeDefinition } from '../types.js';

const config = z
  .object({
    code: z
      .string()
      .min(1, 'code is required')
      .max(
        CODE_LIMITS.maxCodeChars,
        `code is longer than ${CODE_LIMITS.maxCodeChars.toLocaleString('en-US')} characters`,
      )
      .describe(
        'JavaScript, the body of an async function of (input, trigger, nodes, run, item, index); return the output (plain data)',
      ),
    timeLimitMs: z
      .number()
      .int()
      .min(CODE_LIMITS.minTimeLimitMs)
      .max(CODE_LIMITS.maxTimeLimitMs)
      .default(CODE_LIMITS.defaultTimeLimitMs)
      .describe('CPU time one run of the code may take'),
    memoryLimitMb: z
      .number()
      .int()
      .min(CODE_LIMITS.minMemoryLimitMb)
      .max(CODE_LIMITS.maxMemoryLimitMb)
      .default(CODE_LIMITS.defaultMemoryLimitMb)
      .describe('Memory the code may use, in MiB'),
  })
  .strict();

const CODES: Readonly<Record<CodeRunError['kind'], ErrorCode>> = {
  syntax: 'code_syntax_error',
  thrown: 'code_error',
  pending: 'code_error',
  timeout: 'code_timeout',
  memory: 'code_memory_limit',
  result: 'code_result_invalid',
};

/** The sandbox's failure as a fatal step error: running the same code again fails the same way. */
function codeFailure(nodeId: string, error: CodeRunError): ActionResult {
  const where = error.line === undefined ? '' : ` (line ${error.line}, column ${error.column})`;
  const details = {
    kind: error.kind,
    ...(error.name === undefined ? {} : { name: error.name }),
    ...(error.line === undefined ? {} : { line: error.line, column: error.column }),
    ...(error.stack ? { stack: error.stack } : {}),
  };
  return fatal(CODES[error.kind], `node "${nodeId}", field "code": ${error.message}${where}`, details);
}

export const codeNode: NodeDefinition<typeof config> = {
  type: 'code',
  version: 1,
  title: 'Code',
  description:
    'Runs JavaScript in a sandbox (no network, files or processes; CPU-time and memory limits). The code is the body of an async function of (input, trigger, nodes, run, item, index), all plain data; what it returns is the output. console.log lines go to the run log.',
  category: 'data',
  // The sandbox reaches nothing outside the run: after a crash the code simply runs again.
  effects: false,
  // A thrown error is the step's error, so an error path can take it like any action's.
  errorOutput: true,
  configSchema: config,
  exampleConfig: {
    code: 'const lines = trigger.body.lines ?? [];\nreturn { count: lines.length, total: lines.reduce((sum, line) => sum + line.price, 0) };',
  },
  inputs: [{ id: 'in', label: 'Input' }],
  outputs: [{ id: 'out', label: 'Output' }],
  migrations: {},
  references: [],
  retry: { maxAttempts: 1, initialDelayMs: 0, maxDelayMs: 0 },
  codeFields: ['code'],
  async execute(ctx, input, cfg) {
    const outcome = await ctx.runCode({
      code: cfg.code,
      data: {
        input: input.in ?? null,
        trigger: ctx.scope.trigger ?? null,
        nodes: ctx.scope.nodes,
        run: ctx.scope.run,
        item: ctx.scope.item ?? null,
        index: ctx.scope.index ?? null,
      },
      timeLimitMs: cfg.timeLimitMs,
      memoryLimitBytes: cfg.memoryLimitMb * 1_048_576,
    });
    for (const line of outcome.logs) ctx.log(line.level, line.message);
    return outcome.ok ? success(outcome.value) : codeFailure(ctx.nodeId, outcome.error);
  },
};
