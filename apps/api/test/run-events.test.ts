import {
  claimRun,
  createModels,
  createRuns,
  finishRun,
  newObjectId,
  pendingStep,
  requestCancel,
  saveStep,
} from '@weft/db';
import { testDatabase } from '@weft/devdb/test-db';
import mongoose from 'mongoose';
import { afterAll, describe, expect, it } from 'vitest';
import type { ObjectId } from '../src/ids.js';
import { type RunChangeEvent, RunEvents, type RunFeed } from '../src/run-events.js';
import { silentLogger, useApi } from './harness.js';

const h = useApi();
const watchers: RunEvents[] = [];
afterAll(async () => {
  await Promise.all(watchers.map((watcher) => watcher.close()));
});

function watcher(options: ConstructorParameters<typeof RunEvents>[2]) {
  const created = new RunEvents(h.db.models, silentLogger, options);
  watchers.push(created);
  return created;
}

async function newRun(workspaceId: ObjectId = h.workspaceId) {
  const [id] = await createRuns(h.db.models, [
    {
      workspaceId,
      scenarioId: newObjectId(),
      scenarioVersionId: newObjectId(),
      version: 1,
      trigger: { kind: 'manual' },
      correlationId: 'c',
      input: null,
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'log', type: 'logger' },
      ],
    },
  ]);
  return id!;
}

/** Reads events until `until` accepts one; fails after `timeoutMs`. */
async function readUntil(
  feed: RunFeed,
  until: (event: RunChangeEvent) => boolean,
  timeoutMs = 10_000,
): Promise<RunChangeEvent[]> {
  const events: RunChangeEvent[] = [];
  const iterator = feed[Symbol.asyncIterator]();
  const timer = setTimeout(() => feed.close(), timeoutMs);
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done)
        throw new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(events)}`);
      events.push(next.value);
      if (until(next.value)) return events;
    }
  } finally {
    clearTimeout(timer);
  }
}

/** Drives a run as a runner would: claim, a step running and settling, finish. */
async function driveRun(runId: ObjectId) {
  const { models } = h.db;
  await claimRun(models, runId, { owner: 'test-runner', leaseMs: 60_000 });
  const startedAt = new Date();
  await saveStep(models, runId, 'test-runner', {
    ...pendingStep('start', 'trigger.manual'),
    status: 'succeeded',
    attempts: 1,
    output: {},
    startedAt,
    finishedAt: startedAt,
    durationMs: 0,
  });
  await saveStep(models, runId, 'test-runner', {
    ...pendingStep('log', 'logger'),
    status: 'running',
    attempts: 1,
    startedAt,
  });
  await saveStep(models, runId, 'test-runner', {
    ...pendingStep('log', 'logger'),
    status: 'succeeded',
    attempts: 1,
    output: { logged: true },
    startedAt,
    finishedAt: new Date(),
    durationMs: 1,
  });
  await finishRun(models, runId, 'test-runner', { status: 'succeeded' });
}

describe.each(['changeStream', 'poll'] as const)('run events (%s)', (mode) => {
  it('delivers a run’s status and step changes to subscribers of its workspace only', async () => {
    const events = watcher({ mode, pollIntervalMs: 30 });
    const mine = await events.subscribe({ workspaceId: h.workspaceId.toHexString() });
    const otherWorkspace = newObjectId();
    const other = await events.subscribe({ workspaceId: otherWorkspace.toHexString() });
    expect(events.mode).toBe(mode);
    const runId = await newRun();
    await driveRun(runId);
    const seen = await readUntil(mine, (e) => e.runId === runId.toHexString() && e.status === 'succeeded');
    const last = seen.at(-1)!;
    expect(last).toMatchObject({
      runId: runId.toHexString(),
      status: 'succeeded',
      steps: [
        { nodeId: 'start', status: 'succeeded', attempts: 1 },
        { nodeId: 'log', status: 'succeeded', attempts: 1 },
      ],
    });
    expect(last.updatedAt).toBeInstanceOf(Date);
    expect(Object.keys(last).sort()).toEqual(['runId', 'scenarioId', 'status', 'steps', 'updatedAt']);
    // Nothing twice: consecutive events differ.
    for (let i = 1; i < seen.length; i++) expect(seen[i]).not.toEqual(seen[i - 1]);

    // The other workspace's subscriber hears only of its own runs: its marker run comes first.
    const marker = await newRun(otherWorkspace);
    await requestCancel(h.db.models, otherWorkspace, marker);
    const theirs = await readUntil(
      other,
      (e) => e.runId === marker.toHexString() && e.status === 'cancelled',
    );
    expect(theirs.every((e) => e.runId === marker.toHexString())).toBe(true);
    other.close();
    mine.close();
  });

  it('reads from the database only what an event needs: no step output, no input', async () => {
    // A connection of its own whose every command reply is kept: what the watcher is sent.
    const connection = mongoose.createConnection(testDatabase().serverUri, {
      dbName: h.db.connection.name,
      monitorCommands: true,
    });
    await connection.asPromise();
    const replies: string[] = [];
    connection.getClient().on('commandSucceeded', (event) => replies.push(JSON.stringify(event.reply)));
    const events = new RunEvents(createModels(connection), silentLogger, { mode, pollIntervalMs: 30 });
    try {
      const feed = await events.subscribe({ workspaceId: h.workspaceId.toHexString() });
      const runId = await newRun();
      const marker = `large-output-${'x'.repeat(4096)}`;
      await h.db.models.Run.updateOne({ _id: runId }, { $set: { input: { marker } } }).exec();
      await claimRun(h.db.models, runId, { owner: 'test-runner', leaseMs: 60_000 });
      const at = new Date();
      await saveStep(h.db.models, runId, 'test-runner', {
        ...pendingStep('start', 'trigger.manual'),
        status: 'succeeded',
        attempts: 1,
        output: { marker },
        startedAt: at,
        finishedAt: at,
        durationMs: 0,
      });
      const seen = await readUntil(
        feed,
        (e) => e.runId === runId.toHexString() && e.steps[0]?.status === 'succeeded',
      );
      expect(JSON.stringify(seen)).not.toContain(marker);
      // The step's status came through the database; its output and the run's input did not.
      expect(
        replies.some((reply) => reply.includes(runId.toHexString()) && reply.includes('succeeded')),
      ).toBe(true);
      expect(replies.filter((reply) => reply.includes('large-output-'))).toEqual([]);
      feed.close();
    } finally {
      await events.close();
      await connection.close();
    }
  });

  it('filters by run and by scenario', async () => {
    const events = watcher({ mode, pollIntervalMs: 30 });
    const a = await newRun();
    const b = await newRun();
    const runB = await h.db.models.Run.findById(b).lean().exec();
    const onlyA = await events.subscribe({
      workspaceId: h.workspaceId.toHexString(),
      runId: a.toHexString(),
    });
    const onlyScenarioB = await events.subscribe({
      workspaceId: h.workspaceId.toHexString(),
      scenarioId: runB!.scenarioId.toHexString(),
    });
    await requestCancel(h.db.models, h.workspaceId, b);
    await requestCancel(h.db.models, h.workspaceId, a);
    const seenA = await readUntil(onlyA, (e) => e.status === 'cancelled');
    expect(seenA.every((e) => e.runId === a.toHexString())).toBe(true);
    const seenB = await readUntil(onlyScenarioB, (e) => e.status === 'cancelled');
    expect(seenB.every((e) => e.runId === b.toHexString())).toBe(true);
    onlyA.close();
    onlyScenarioB.close();
  });
});

describe('run events watcher', () => {
  it('shares one watcher, stops when idle and starts again', async () => {
    const events = watcher({ mode: 'auto', pollIntervalMs: 30, idleStopMs: 20 });
    const one = await events.subscribe({ workspaceId: h.workspaceId.toHexString() });
    const two = await events.subscribe({ workspaceId: h.workspaceId.toHexString() });
    expect(events.subscriberCount).toBe(2);
    const mode = events.mode;
    expect(mode === 'changeStream' || mode === 'poll').toBe(true);
    one.close();
    two.close();
    await expect.poll(() => events.mode, { timeout: 20_000 }).toBeNull();
    const three = await events.subscribe({ workspaceId: h.workspaceId.toHexString() });
    expect(events.mode).toBe(mode);
    const runId = await newRun();
    await requestCancel(h.db.models, h.workspaceId, runId);
    const seen = await readUntil(three, (e) => e.runId === runId.toHexString() && e.status === 'cancelled');
    expect(seen.length).toBeGreaterThan(0);
    three.close();
  });

  it('keeps only the latest state per run for a slow reader', async () => {
    const events = watcher({ mode: 'changeStream' });
    const feed = await events.subscribe({ workspaceId: h.workspaceId.toHexString() });
    const runId = await newRun();
    await driveRun(runId);
    // Read only after everything happened: the run's pending event is its final state.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const seen = await readUntil(feed, (e) => e.runId === runId.toHexString());
    expect(seen.at(-1)?.status).toBe('succeeded');
    feed.close();
  });
});
