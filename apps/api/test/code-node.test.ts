import { describe, expect, it } from 'vitest';
import type { GraphProblemsError } from '../src/trpc.js';
import { rejection } from './fixtures.js';
import { useApi } from './harness.js';

const h = useApi();

function codeGraph(config: Record<string, unknown>) {
  return {
    nodes: [
      { id: 'start', type: 'trigger.manual', version: 1, config: {}, position: { x: 0, y: 0 } },
      { id: 'calc', type: 'code', version: 1, config, position: { x: 200, y: 0 } },
    ],
    edges: [{ id: 'e1', source: 'start', target: 'calc' }],
  };
}

describe('code nodes through the api', () => {
  it('validate reports a syntax error on the code field with its line and column; publish refuses it', async () => {
    const scenario = await h.caller.scenarios.create({
      name: 'Broken code',
      draft: codeGraph({ code: 'const total = trigger.n;\nreturn total +;' }),
    });
    const validation = await h.caller.scenarios.validate({ id: scenario.id });
    expect(validation).toMatchObject({
      valid: false,
      problems: [
        {
          code: 'invalid_config',
          nodeId: 'calc',
          path: ['code'],
          position: { line: 2, column: 15 },
          message: 'Node "calc" (code) field "code": Unexpected token (line 2, column 15)',
        },
      ],
    });
    const refused = await rejection(h.caller.scenarios.publish({ id: scenario.id }));
    expect(refused.code).toBe('BAD_REQUEST');
    expect(refused.message).toContain('field "code": Unexpected token (line 2, column 15)');
    expect((refused.cause as GraphProblemsError).problems[0]).toMatchObject({
      position: { line: 2, column: 15 },
    });
  });

  it('code over its size limit or a limit over its maximum is a problem naming the field', async () => {
    const scenario = await h.caller.scenarios.create({
      name: 'Too much code',
      draft: codeGraph({ code: `return ${'1 + '.repeat(25_000)}1;`, timeLimitMs: 20_000 }),
    });
    const { problems } = await h.caller.scenarios.validate({ id: scenario.id });
    expect(problems.map((p) => p.message)).toEqual([
      'Node "calc" (code) field "code": code is longer than 100,000 characters',
      'Node "calc" (code) field "timeLimitMs": Too big: expected number to be <=10000',
    ]);
  });

  it('dry-run runs the code in the sandbox: output, console lines, and a thrown error with its line', async () => {
    const scenario = await h.caller.scenarios.create({
      name: 'Code preview',
      draft: codeGraph({
        code: 'console.log("n is", trigger.n);\nreturn { doubled: trigger.n * 2, env: typeof process };',
      }),
    });
    const preview = await h.caller.scenarios.dryRun({ id: scenario.id, trigger: { n: 21 } });
    expect(preview.status).toBe('succeeded');
    const calc = preview.nodes.find((n) => n.nodeId === 'calc');
    expect(calc).toMatchObject({ status: 'succeeded', output: { doubled: 42, env: 'undefined' } });
    expect(calc?.logs).toEqual([{ level: 'info', message: 'n is 21', data: null }]);

    const failing = await h.caller.scenarios.dryRun({
      id: scenario.id,
      draft: codeGraph({ code: 'if (trigger.n > 1)\n  throw new RangeError("n is " + trigger.n);' }),
      trigger: { n: 3 },
    });
    expect(failing).toMatchObject({
      status: 'failed',
      error: {
        code: 'code_error',
        message: 'node "calc", field "code": RangeError: n is 3 (line 2, column 23)',
        details: { line: 2, column: 23, name: 'RangeError' },
      },
    });

    const endless = await h.caller.scenarios.dryRun({
      id: scenario.id,
      draft: codeGraph({ code: 'for (;;) {}', timeLimitMs: 50 }),
    });
    expect(endless.error).toMatchObject({ code: 'code_timeout' });
  });
});
