import { setTimeout as sleep } from 'node:timers/promises';
import type { FlowControl } from '@weft/core';
import {
  createRuns,
  createScenario,
  newObjectId,
  newRunOfVersion,
  publishScenario,
  type RunDoc,
  type ScenarioVersionDoc,
  setScenarioFlowControl,
} from '@weft/db';
import type { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edge, eventually, node, type Seeded, secretKeysEnv, seedWorkspace, useDatabase } from './fixtures/seed.js';
import { type RunnerProcess, startRunnerProcess } from './fixtures/runner-process.js';
import { type Sink, startSink } from './fixtures/sink.js';

/**
 * Flow control with two runner processes sharing the work: what the database holds (each run's
 * `startedAt`/`finishedAt`, throttle window, supersession) shows the limits were kept.
 */

const ctx = useDatabase();
let sink: Sink;
let seeded: Seeded;
const runners: RunnerProcess[] = [];

const outputs = () => runners.map((r) => `--- ${r.name}\n${r.output().slice(-4_000)}`).join('\n');

async function startRunner(name: string): Promise<RunnerProcess> {
  const runner = await startRunnerProcess(name, {
    MONGODB_URI: ctx.uri,
    WEFT_SECRET_KEYS: secretKeysEnv,
    WEFT_HTTP_ALLOW_PRIVATE: '127.0.0.1',
    WEFT_RUNNER_LEASE_MS: '5000',
    WEFT_RUNNER_CONCURRENCY: '4',
    WEFT_RUNNER_PROCESS_EVERY_MS: '300',
    WEFT_RUNNER_SWEEP_EVERY_MS: '500',
    WEFT_RUNNER_SWEEP_AFTER_MS: '1000',
    WEFT_RUNNER_METRICS_PORT: '0',
    LOG_LEVEL: 'info',
  });
  runners.push(runner);
  return runner;
}

beforeAll(async () => {
  sink = await startSink();
  seeded = await seedWorkspace(ctx.db);
  await Promise.all([startRunner('flow-1'), startRunner('flow-2')]);
});
afterAll(async () => {
  await Promise.all(runners.map((r) => r.stop('SIGKILL')));
  await sink.close();
});

/** A published scenario with this flow control whose run calls `path` on the sink. */
async function publishWithFlow(path: string, flowControl: FlowControl): Promise<ScenarioVersionDoc> {
  const scenario = await createScenario(ctx.db.models, seeded.workspaceId, {
    name: `flow ${path}`,
    draft: {
      nodes: [node('start', 'trigger.manual', {}), node('call', 'http.request', { url: `${sink.url}${path}`, timeoutMs: 60_000 })],
      edges: [edge('start', 'call')],
    },
  });
  await setScenarioFlowControl(ctx.db.models, seeded.workspaceId, scenario._id.toHexString(), flowControl);
  const published = await publishScenario(ctx.db.models, seeded.workspaceId, scenario._id.toHexString());
  if (!published.ok) throw new Error(published.reason);
  return published.version;
}

/** Runs of `version`, created in this order (one insert). */
async function createFlowRuns(version: ScenarioVersionDoc, inputs: unknown[]): Promise<Types.ObjectId[]> {
  const runs = await Promise.all(
    inputs.map((input) => newRunOfVersion(version, { id: newObjectId(), kind: 'manual', correlationId: 'flow', input })),
  );
  return createRuns(ctx.db.models, runs);
}

async function settledRuns(ids: readonly Types.ObjectId[], timeoutMs = 90_000): Promise<RunDoc[]> {
  return eventually(
    async () => {
      const runs = await ctx.db.models.Run.find({ _id: { $in: [...ids] } }).lean<RunDoc[]>().exec();
      return runs.every((run) => run.finishedAt) ? runs : null;
    },
    timeoutMs,
    async () => {
      const counts = await ctx.db.models.Run.aggregate([
        { $match: { _id: { $in: [...ids] } } },
        { $group: { _id: { status: '$status', waitingFor: '$waitingFor' }, n: { $sum: 1 } } },
      ]);
      return `${JSON.stringify(counts)}\n${outputs()}`;
    },
  );
}

/** The most runs whose [startedAt, finishedAt] intervals overlap at one moment. */
function maxOverlap(runs: readonly RunDoc[]): number {
  const edges = runs.flatMap((run) => [
    { at: run.startedAt!.getTime(), d: 1 },
    { at: run.finishedAt!.getTime(), d: -1 },
  ]);
  // An end at the same millisecond as a start comes first: the next run started after it.
  edges.sort((a, b) => a.at - b.at || a.d - b.d);
  let now = 0;
  let max = 0;
  for (const e of edges) {
    now += e.d;
    max = Math.max(max, now);
  }
  return max;
}

describe.sequential('flow control across two runner processes', () => {
  it('concurrency 1 per key: runs of a key run one at a time, in the order they were created', async () => {
    sink.on('/one-by-one', () => ({ after: sleep(20) }));
    const version = await publishWithFlow('/one-by-one', { concurrency: { key: 'trigger.customer', limit: 1 } });
    const inputs = Array.from({ length: 24 }, (_, i) => ({ customer: `c${i % 3}`, i }));
    const ids = await createFlowRuns(version, inputs);
    const runs = await settledRuns(ids);
    expect(runs.map((run) => run.status)).toEqual(ids.map(() => 'succeeded'));
    for (const customer of ['c0', 'c1', 'c2']) {
      const ofKey = runs
        .filter((run) => (run.input as { customer: string }).customer === customer)
        .sort((a, b) => a.startedAt!.getTime() - b.startedAt!.getTime());
      expect(ofKey.map((run) => (run.input as { i: number }).i)).toEqual(
        inputs.filter((x) => x.customer === customer).map((x) => x.i),
      );
      expect(maxOverlap(ofKey)).toBe(1);
      for (let i = 1; i < ofKey.length; i++)
        expect(ofKey[i]!.startedAt!.getTime()).toBeGreaterThanOrEqual(ofKey[i - 1]!.finishedAt!.getTime());
    }
    // Every place is handed back (the last one just after its run finished).
    await expect
      .poll(async () => {
        const slots = await ctx.db.models.FlowSlot.find({ _id: { $regex: `^${version.scenarioId.toHexString()}:` } })
          .lean()
          .exec();
        return slots.map((slot) => slot.holders);
      })
      .toEqual([[], [], []]);
  });

  it('concurrency 2: never more than two runs of a key at once', async () => {
    sink.on('/two', () => ({ after: sleep(30) }));
    const version = await publishWithFlow('/two', { concurrency: { key: 'trigger.k', limit: 2 } });
    const ids = await createFlowRuns(version, Array.from({ length: 12 }, () => ({ k: 'same' })));
    const runs = await settledRuns(ids);
    expect(runs.every((run) => run.status === 'succeeded')).toBe(true);
    expect(maxOverlap(runs)).toBeLessThanOrEqual(2);
  });

  it('a runner killed (SIGKILL) while its run holds the only place: the run is taken over, then the next runs', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    sink.on('/held', (_, count) => (count === 1 ? { after: held } : {}));
    const version = await publishWithFlow('/held', { concurrency: { key: 'trigger.k', limit: 1 } });
    const [first, second] = await createFlowRuns(version, [{ k: 'x' }, { k: 'x' }]);
    await sink.waitFor('/held', 1, 30_000);
    const holder = await eventually(async () => {
      const run = await ctx.db.models.Run.findById(first).lean<RunDoc>().exec();
      return run?.leaseOwner ? run : null;
    }, 30_000);
    const victim = runners.find((r) => r.name === holder.leaseOwner)!;
    await victim.stop('SIGKILL');
    release();
    runners.splice(runners.indexOf(victim), 1);
    await startRunner(`${victim.name}-again`);
    const [a, b] = (await settledRuns([first!, second!], 60_000)).sort((x, y) => x.startedAt!.getTime() - y.startedAt!.getTime());
    expect([a!._id, b!._id]).toEqual([first, second]);
    expect(a!.status).toBe('succeeded');
    expect(a!.claims).toBeGreaterThanOrEqual(2);
    expect(b!.status).toBe('succeeded');
    expect(b!.startedAt!.getTime()).toBeGreaterThanOrEqual(a!.finishedAt!.getTime());
  });

  it('throttle: at most count runs of a key start per window', async () => {
    const version = await publishWithFlow('/throttled', { throttle: { key: 'trigger.k', count: 2, periodMs: 1_000 } });
    const ids = await createFlowRuns(version, Array.from({ length: 6 }, () => ({ k: 'same' })));
    const runs = await settledRuns(ids);
    expect(runs.every((run) => run.status === 'succeeded')).toBe(true);
    const perWindow = new Map<number, number>();
    for (const run of runs) {
      const window = run.flow!.throttleWindow!.getTime();
      perWindow.set(window, (perWindow.get(window) ?? 0) + 1);
      // It was let go within its window, and started after that.
      expect(run.flow!.admittedAt!.getTime()).toBeGreaterThanOrEqual(window);
      expect(run.flow!.admittedAt!.getTime()).toBeLessThan(window + 1_000);
      expect(run.startedAt!.getTime()).toBeGreaterThanOrEqual(run.flow!.admittedAt!.getTime());
    }
    expect([...perWindow.values()].every((n) => n <= 2)).toBe(true);
    expect(perWindow.size).toBeGreaterThanOrEqual(3);
  });

  it('debounce: a burst of arrivals of a key collapses into one run (last: the latest input; all: every input)', async () => {
    const last = await publishWithFlow('/debounced-last', {
      debounce: { key: 'trigger.k', periodMs: 300, maxWaitMs: 10_000, mode: 'last' },
    });
    const all = await publishWithFlow('/debounced-all', {
      debounce: { key: 'trigger.k', periodMs: 300, maxWaitMs: 10_000, mode: 'all' },
    });
    const inputs = Array.from({ length: 5 }, (_, n) => ({ k: 'same', n }));
    const lastIds = await createFlowRuns(last, inputs);
    const allIds = await createFlowRuns(all, inputs);
    const lastRuns = await settledRuns(lastIds);
    const allRuns = await settledRuns(allIds);
    const survivor = lastRuns.find((run) => run.status === 'succeeded')!;
    expect(survivor._id).toEqual(lastIds[4]);
    expect(survivor.input).toEqual({ k: 'same', n: 4 });
    expect(lastRuns.filter((run) => run.status === 'cancelled').map((run) => run.flow?.supersededBy)).toEqual(
      lastIds.slice(0, 4).map(() => lastIds[4]),
    );
    const collected = allRuns.find((run) => run.status === 'succeeded')!;
    expect(collected.input).toEqual(inputs);
    expect(allRuns.filter((run) => run.status === 'cancelled')).toHaveLength(4);
    expect(sink.count('/debounced-last')).toBe(1);
    expect(sink.count('/debounced-all')).toBe(1);
  });
});
