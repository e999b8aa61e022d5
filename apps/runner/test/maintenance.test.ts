import { generateSecretKey } from '@weft/core/secrets';
import { appendRunLogs, createRuns, JOBS_COLLECTION, newObjectId } from '@weft/db';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { createHttpClient } from '../src/execution/http-client.js';
import { RETENTION_JOB } from '../src/maintenance/retention.js';
import { startWorker, type Worker } from '../src/worker.js';
import { eventually, keyring, seedWorkspace, useDatabase } from './fixtures/seed.js';

const base = { MONGODB_URI: 'mongodb://localhost:27017/weft', WEFT_SECRET_KEYS: `k1:${generateSecretKey()}` };
const DAY = 86_400_000;

describe('schedule and retention settings', () => {
  it('have documented defaults', () => {
    const config = loadConfig(base);
    expect(config.scheduler).toEqual({ refreshEveryMs: 5_000 });
    expect(config.retention).toEqual({
      everyMs: 3_600_000,
      maxDurationMs: 60_000,
      policy: {
        runLogs: { maxAgeMs: 30 * DAY, maxCount: 1_000_000 },
        stepOutputs: { maxAgeMs: 30 * DAY, maxCount: 100_000 },
        finishedJobs: { maxAgeMs: 7 * DAY, maxCount: 10_000 },
      },
    });
  });

  it('read every variable; 0 turns a limit off', () => {
    const config = loadConfig({
      ...base,
      WEFT_SCHEDULER_REFRESH_MS: '2000',
      WEFT_RETENTION_EVERY_MS: '60000',
      WEFT_RETENTION_MAX_DURATION_MS: '5000',
      WEFT_RETENTION_RUN_LOGS_DAYS: '0.5',
      WEFT_RETENTION_RUN_LOGS_MAX: '0',
      WEFT_RETENTION_OUTPUTS_DAYS: '0',
      WEFT_RETENTION_OUTPUTS_MAX_RUNS: '500',
      WEFT_RETENTION_JOBS_DAYS: '1',
      WEFT_RETENTION_JOBS_MAX: '100',
    });
    expect(config.scheduler.refreshEveryMs).toBe(2_000);
    expect(config.retention).toEqual({
      everyMs: 60_000,
      maxDurationMs: 5_000,
      policy: {
        runLogs: { maxAgeMs: DAY / 2, maxCount: null },
        stepOutputs: { maxAgeMs: null, maxCount: 500 },
        finishedJobs: { maxAgeMs: DAY, maxCount: 100 },
      },
    });
  });

  it('report every bad value at once, naming the variable', () => {
    let problems: readonly string[] = [];
    try {
      loadConfig({
        ...base,
        WEFT_SCHEDULER_REFRESH_MS: '10',
        WEFT_RETENTION_RUN_LOGS_DAYS: '-1',
        WEFT_RETENTION_JOBS_MAX: 'lots',
      });
    } catch (error) {
      if (error instanceof ConfigError) problems = error.problems;
    }
    expect(problems).toEqual([
      'WEFT_SCHEDULER_REFRESH_MS must be a whole number of milliseconds between 100 and 300000, got "10"',
      'WEFT_RETENTION_RUN_LOGS_DAYS must be a number of days (0: off) between 0 and 36500, got "-1"',
      'WEFT_RETENTION_JOBS_MAX must be a whole number (0 = off) between 0 and 1000000000000, got "lots"',
    ]);
  });
});

describe('the retention job', () => {
  const ctx = useDatabase();
  const workers: Worker[] = [];
  afterAll(async () => {
    for (const worker of workers) await worker.stop();
  });

  it('runs on one of two runners as a recurring job and prunes by the policy', async () => {
    const seeded = await seedWorkspace(ctx.db);
    const old = new Date(Date.now() - 10 * DAY);
    const line = (ts: Date, message: string) => ({
      workspaceId: seeded.workspaceId,
      runId: newObjectId(),
      correlationId: 'c',
      nodeId: null,
      attempt: null,
      level: 'info' as const,
      message,
      ts,
    });
    await appendRunLogs(ctx.db.models, [line(old, 'old'), line(new Date(), 'new')]);
    const [runId] = await createRuns(
      ctx.db.models,
      [
        {
          workspaceId: seeded.workspaceId,
          scenarioId: newObjectId(),
          scenarioVersionId: newObjectId(),
          version: 1,
          trigger: { kind: 'manual' },
          correlationId: 'c',
          input: null,
          nodes: [{ id: 'a', type: 'logger' }],
        },
      ],
      old,
    );
    await ctx.db.models.Run.updateOne({ _id: runId }, { $set: { status: 'succeeded', finishedAt: old } });

    const logger = pino({ level: 'silent' });
    const http = createHttpClient({});
    for (const owner of ['retention-a', 'retention-b']) {
      workers.push(
        await startWorker(
          { db: ctx.db, keyring, http, logger, owner },
          {
            concurrency: 1,
            processEveryMs: 100,
            leaseMs: 5_000,
            shutdownGraceMs: 500,
            sweep: false,
            retention: {
              everyMs: 1_000,
              maxDurationMs: 5_000,
              policy: {
                runLogs: { maxAgeMs: DAY, maxCount: null },
                stepOutputs: { maxAgeMs: DAY, maxCount: null },
                finishedJobs: { maxAgeMs: DAY, maxCount: null },
              },
            },
          },
        ),
      );
    }
    await eventually(async () => {
      const messages = (await ctx.db.models.RunLog.find({ workspaceId: seeded.workspaceId }).lean()).map(
        (l) => l.message,
      );
      const run = await ctx.db.models.Run.findById(runId).lean();
      return messages.length === 1 && messages[0] === 'new' && run?.outputsPrunedAt instanceof Date;
    }, 60_000);
    // One recurring job for both runners.
    const jobs = await ctx.db.connection
      .db!.collection(JOBS_COLLECTION)
      .find({ name: RETENTION_JOB })
      .toArray();
    expect(jobs).toHaveLength(1);
  });
});
