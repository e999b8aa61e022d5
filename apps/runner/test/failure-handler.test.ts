import type { ScenarioEdge, ScenarioNodeInput } from '@weft/core';
import {
  archiveScenario,
  createFailureHandlerRun,
  createQueue,
  createScenario,
  newObjectId,
  publishScenario,
  type RunDoc,
  saveDraft,
  type ScenarioVersionDoc,
  toObjectId,
} from '@weft/db';
import { parseAllowList } from '@weft/core/net';
import type { Agenda } from 'agenda';
import type { Types } from 'mongoose';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../src/execution/http-client.js';
import { type ProcessRunDeps, processRun } from '../src/execution/process-run.js';
import { sweepOnce } from '../src/maintenance/sweeper.js';
import {
  edge,
  keyring,
  node,
  queueRuns,
  runOf,
  type Seeded,
  seedWorkspace,
  useDatabase,
} from './fixtures/seed.js';
import { type Sink, startSink } from './fixtures/sink.js';

const ctx = useDatabase();
let sink: Sink;
let queue: Agenda;
let seeded: Seeded;
const logger = pino({ level: 'silent' });

function deps(): ProcessRunDeps {
  return {
    db: ctx.db,
    queue,
    keyring,
    http: createHttpClient({ allowList: parseAllowList('127.0.0.1') }),
    logger,
    owner: 'test-runner',
    leaseMs: 10_000,
  };
}

beforeAll(async () => {
  sink = await startSink();
  sink.on('/missing', () => ({ status: 404, body: { error: 'no such order' } }));
  queue = createQueue(ctx.db, { name: 'failure-handler-test' });
  seeded = await seedWorkspace(ctx.db);
});
afterAll(async () => {
  await queue.stop(false);
  await sink.close();
});

/** A published scenario, optionally with a failure handler (set on the draft, as the api does). */
async function scenario(
  nodes: ScenarioNodeInput[],
  edges: ScenarioEdge[],
  onFailure?: Types.ObjectId,
): Promise<ScenarioVersionDoc> {
  const created = await createScenario(ctx.db.models, seeded.workspaceId, {
    name: 'scenario',
    draft: { nodes, edges },
  });
  if (onFailure) {
    const saved = await saveDraft(ctx.db.models, seeded.workspaceId, created._id.toHexString(), {
      revision: created.revision,
      draft: { nodes, edges },
      onFailure: onFailure.toHexString(),
    });
    if (!saved.ok) throw new Error(saved.reason);
  }
  const published = await publishScenario(ctx.db.models, seeded.workspaceId, created._id.toHexString());
  if (!published.ok) throw new Error(published.reason);
  return published.version;
}

const handlerScenario = (onFailure?: Types.ObjectId, fails = false) =>
  scenario(
    [
      node('start', 'trigger.manual', {}),
      fails
        ? node('call', 'http.request', { url: `${sink.url}/missing` })
        : node('log', 'logger', {
            message: 'run {{ trigger.run.id }} failed at {{ trigger.failedStep.nodeId }}',
          }),
    ],
    [edge('start', fails ? 'call' : 'log')],
    onFailure,
  );

const failing = (onFailure: Types.ObjectId) =>
  scenario(
    [node('start', 'trigger.manual', {}), node('call', 'http.request', { url: `${sink.url}/missing` })],
    [edge('start', 'call')],
    onFailure,
  );

const handlerRunsOf = (runId: Types.ObjectId | string) =>
  ctx.db.models.Run.find({ 'trigger.failureOf': toObjectId(runId) })
    .lean<RunDoc[]>()
    .exec();
const sweep = () => sweepOnce({ db: ctx.db, queue, logger }, { afterMs: 30_000, jobLockLifetimeMs: 10_000 });

describe('failure handlers (onFailure)', () => {
  it('a failed run starts its handler exactly once, with the run, the failed step, the error and the trigger', async () => {
    const handler = await handlerScenario();
    const main = await failing(handler.scenarioId);
    const [runId] = await queueRuns(ctx.db, main, 1, { body: { order: 7 } });
    expect(await processRun(deps(), runId!)).toEqual({ status: 'failed' });

    const failed = await runOf(ctx.db, runId!);
    const handlers = await handlerRunsOf(runId!);
    expect(handlers).toHaveLength(1);
    const handlerRun = handlers[0]!;
    expect(failed.failureHandler).toEqual({
      scenarioId: handler.scenarioId,
      runId: handlerRun._id,
      pending: false,
      error: null,
    });
    expect(handlerRun).toMatchObject({
      scenarioId: handler.scenarioId,
      scenarioVersionId: handler._id,
      status: 'queued',
      correlationId: failed.correlationId,
      trigger: { kind: 'failure', failureOf: failed._id },
      input: {
        run: {
          id: runId,
          scenarioId: main.scenarioId.toHexString(),
          status: 'failed',
          triggerKind: 'manual',
        },
        failedStep: { nodeId: 'call', nodeType: 'http.request', attempts: 1, error: { code: 'http_4xx' } },
        error: { code: 'http_4xx', retryable: false },
        trigger: { body: { order: 7 } },
      },
    });

    // Repeating the creation, or a sweep, starts nothing more.
    expect(await createFailureHandlerRun(ctx.db.models, failed._id)).toEqual({ status: 'none' });
    expect((await sweep()).failureHandlersStarted).toBe(0);
    expect(await handlerRunsOf(runId!)).toHaveLength(1);

    // The handler runs like any run, with the failure as its trigger.
    expect(await processRun(deps(), handlerRun._id.toHexString())).toEqual({ status: 'succeeded' });
  });

  it('a crash between the final write and the handler run is repaired by the sweep, with the stored run id', async () => {
    const handler = await handlerScenario();
    const main = await failing(handler.scenarioId);
    const [runId] = await queueRuns(ctx.db, main);
    const handlerRunId = newObjectId();
    // What finishRun leaves when the runner dies right after it.
    await ctx.db.models.Run.collection.updateOne(
      { _id: toObjectId(runId!) },
      {
        $set: {
          status: 'dead',
          error: {
            code: 'http_5xx',
            message: 'node "call": HTTP 503',
            retryable: true,
            details: { nodeId: 'call' },
          },
          finishedAt: new Date(Date.now() - 60_000),
          updatedAt: new Date(Date.now() - 60_000),
          failureHandler: { scenarioId: handler.scenarioId, runId: handlerRunId, pending: true, error: null },
        },
      },
    );
    expect((await sweep()).failureHandlersStarted).toBe(1);
    const handlers = await handlerRunsOf(runId!);
    expect(handlers.map((run) => run._id.toHexString())).toEqual([handlerRunId.toHexString()]);
    expect(handlers[0]?.input).toMatchObject({ run: { status: 'dead' }, failedStep: { nodeId: 'call' } });
    expect((await runOf(ctx.db, runId!)).failureHandler).toMatchObject({ pending: false, error: null });
    expect((await sweep()).failureHandlersStarted).toBe(0);
    expect(await handlerRunsOf(runId!)).toHaveLength(1);
  });

  it("a handler run's own failure starts no further handler", async () => {
    const last = await handlerScenario();
    // The handler fails, and its own version names a handler: it must not chain.
    const handler = await handlerScenario(last.scenarioId, true);
    const main = await failing(handler.scenarioId);
    const [runId] = await queueRuns(ctx.db, main);
    expect(await processRun(deps(), runId!)).toEqual({ status: 'failed' });
    const [handlerRun] = await handlerRunsOf(runId!);
    expect(await processRun(deps(), handlerRun!._id.toHexString())).toEqual({ status: 'failed' });
    const afterwards = await runOf(ctx.db, handlerRun!._id.toHexString());
    expect(afterwards.failureHandler ?? null).toBeNull();
    expect(await handlerRunsOf(handlerRun!._id)).toHaveLength(0);
  });

  it('a handler scenario that was deleted is recorded on the run, not silently skipped', async () => {
    const handler = await handlerScenario();
    const main = await failing(handler.scenarioId);
    await archiveScenario(ctx.db.models, seeded.workspaceId, handler.scenarioId.toHexString());
    const [runId] = await queueRuns(ctx.db, main);
    expect(await processRun(deps(), runId!)).toEqual({ status: 'failed' });
    expect((await runOf(ctx.db, runId!)).failureHandler).toMatchObject({
      pending: false,
      error: 'failure handler scenario "scenario" was deleted',
    });
    expect(await handlerRunsOf(runId!)).toHaveLength(0);
  });
});
