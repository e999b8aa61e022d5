import { listRunLogs, toObjectId } from '@weft/db';
import { describe, expect, it } from 'vitest';
import { processRun } from '../src/execution/process-run.js';
import { edge, node, publish, queueRuns, runOf, stepOf } from './fixtures/seed.js';
import { setUpRuns, useSink } from './fixtures/run-setup.js';

const sink = await useSink();
const { ctx, seeded, deps } = await setUpRuns({ name: 'test-enqueuer', leaseMs: 30_000 });

const trigger = () => node('start', 'trigger.manual', {});

describe('code nodes in the runner', () => {
  it('run in the sandbox with the run data: the output is stored, the next node sends it, console lines are run logs', async () => {
    const version = await publish(
      ctx.db,
      seeded.workspaceId,
      [
        trigger(),
        node('price', 'code', {
          code: 'console.log("pricing", trigger.body.total);\nconst net = trigger.body.total / 1.25;\nreturn { net, gross: trigger.body.total, run: run.id };',
        }),
        node('send', 'http.request', {
          method: 'POST',
          url: `${sink.url}/prices`,
          body: '{{ nodes.price }}',
        }),
      ],
      [edge('start', 'price'), edge('price', 'send')],
    );
    const [runId] = await queueRuns(ctx.db, version);
    expect(await processRun(deps(), runId!)).toEqual({ status: 'succeeded' });
    const run = await runOf(ctx.db, runId!);
    expect(stepOf(run, 'price')).toMatchObject({
      status: 'succeeded',
      output: { net: 120, gross: 150, run: runId },
    });
    expect(JSON.parse(sink.requests.find((r) => r.path === '/prices')!.body)).toEqual({
      net: 120,
      gross: 150,
      run: runId,
    });
    const logs = await listRunLogs(ctx.db.models, {
      workspaceId: seeded.workspaceId,
      runId: toObjectId(runId!),
      limit: 100,
    });
    expect(logs.find((l) => l.nodeId === 'price')).toMatchObject({ level: 'info', message: 'pricing 150' });
  });

  it('a thrown error fails the run with the line; an endless loop and a memory bomb fail at their limits', async () => {
    const cases = [
      {
        code: 'const t = trigger.body.total;\nif (t > 100) throw new TypeError("too much");',
        error: { code: 'code_error', details: { line: 2, name: 'TypeError' } },
      },
      { code: 'while (true) {}', timeLimitMs: 100, error: { code: 'code_timeout' } },
      {
        code: 'const a = [];\nwhile (true) a.push("x".repeat(100000) + a.length);',
        memoryLimitMb: 16,
        error: { code: 'code_memory_limit' },
      },
      { code: 'return typeof process + typeof require + typeof fetch;', error: null },
    ];
    for (const { error, ...config } of cases) {
      const version = await publish(
        ctx.db,
        seeded.workspaceId,
        [trigger(), node('c', 'code', config)],
        [edge('start', 'c')],
      );
      const [runId] = await queueRuns(ctx.db, version);
      const outcome = await processRun(deps(), runId!);
      const run = await runOf(ctx.db, runId!);
      if (error === null) {
        expect(outcome).toEqual({ status: 'succeeded' });
        expect(stepOf(run, 'c').output).toBe('undefinedundefinedundefined');
        continue;
      }
      expect(run).toMatchObject({ status: 'failed', error: { code: error.code } });
      expect(stepOf(run, 'c')).toMatchObject({ status: 'failed', attempts: 1, error });
    }
  });
});
