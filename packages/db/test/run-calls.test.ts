import type { Agenda } from 'agenda';
import { describe, expect, it } from 'vitest';
import {
  archiveScenario,
  childRunIdOf,
  childRunsToResume,
  claimRun,
  createRuns,
  createScenario,
  findScenarioVersion,
  finishRun,
  listChildRuns,
  newObjectId,
  publishScenario,
  releaseRun,
  resumeParentOf,
  type RunDoc,
  startChildRun,
  unresumedChildRuns,
} from '../src/index.js';
import { useDatabase } from './setup.js';

const ctx = useDatabase();
const workspaceId = newObjectId();

const draft = {
  nodes: [
    { id: 'start', type: 'trigger.manual', version: 1, config: {}, position: { x: 0, y: 0 } },
    { id: 'log', type: 'logger', version: 1, config: { message: 'hi' }, position: { x: 0, y: 0 } },
  ],
  edges: [{ id: 'e', source: 'start', sourceHandle: 'out', target: 'log', targetHandle: 'in' }],
};

async function scenario(name: string, publish = true) {
  const doc = await createScenario(ctx.db.models, workspaceId, { name, draft });
  if (publish) await publishScenario(ctx.db.models, workspaceId, doc._id.toHexString());
  return doc._id;
}

async function parentRun(
  scenarioId = newObjectId(),
  callPath: RunDoc['callPath'] = undefined,
): Promise<RunDoc> {
  const [id] = await createRuns(ctx.db.models, [
    {
      workspaceId,
      scenarioId,
      scenarioVersionId: newObjectId(),
      version: 1,
      trigger: { kind: 'manual' },
      correlationId: 'corr-parent',
      input: null,
      nodes: [{ id: 'call', type: 'scenario.call' }],
      ...(callPath
        ? {
            call: {
              parent: { runId: newObjectId(), nodeId: 'x', scenarioId: newObjectId(), wait: true },
              callPath,
            },
          }
        : {}),
    },
  ]);
  return (await ctx.db.models.Run.findById(id).lean<RunDoc>())!;
}

const loadVersion = (id: Parameters<typeof findScenarioVersion>[1]) => findScenarioVersion(ctx.db.models, id);

/** Records the jobs a resume schedules (Agenda's `now`), without a worker. */
function recordingQueue() {
  const jobs: unknown[] = [];
  const queue = { now: async (_name: string, data: unknown) => void jobs.push(data) } as unknown as Agenda;
  return { queue, jobs };
}

describe('scenario calls: child runs', () => {
  it('inside a for-each body, each item calls a child of its own, once', async () => {
    const target = await scenario('Per item');
    const parent = await parentRun();
    const args = {
      parent,
      nodeId: 'call',
      scenarioId: target.toHexString(),
      input: {},
      wait: false,
      maxDepth: 10,
      loadVersion,
    };
    const ids = [];
    for (const itemIndex of [0, 1, 1, 2]) {
      const started = await startChildRun(ctx.db.models, { ...args, itemIndex });
      expect(started.ok).toBe(true);
      if (started.ok) ids.push(started.run._id.toHexString());
    }
    expect(new Set(ids).size).toBe(3);
    expect(ids[1]).toBe(ids[2]);
    expect(await ctx.db.models.Run.countDocuments({ 'parent.runId': parent._id })).toBe(3);
  });

  it('starts one child per call step, pinned to the version published then, linked both ways', async () => {
    const target = await scenario('Sync customer');
    const parent = await parentRun();
    const args = {
      parent,
      nodeId: 'call',
      scenarioId: target.toHexString(),
      input: { customerId: 7 },
      wait: true,
      maxDepth: 10,
      loadVersion,
    };
    const first = await startChildRun(ctx.db.models, args);
    // The step runs again (a retry, a crash, a resume): the same child comes back, none is added.
    const second = await startChildRun(ctx.db.models, { ...args, input: { customerId: 8 } });
    expect(first.ok && second.ok).toBe(true);
    if (!first.ok || !second.ok) return;
    expect(second.run._id.equals(first.run._id)).toBe(true);
    expect(first.run._id.equals(childRunIdOf(parent._id, 'call'))).toBe(true);
    expect(await ctx.db.models.Run.countDocuments({ 'parent.runId': parent._id })).toBe(1);
    expect(first.run).toMatchObject({
      status: 'queued',
      input: { customerId: 7 },
      trigger: { kind: 'call' },
      correlationId: 'corr-parent',
      resumeParent: true,
      version: 1,
    });
    expect(first.run.parent?.runId.equals(parent._id)).toBe(true);
    expect(first.run.callPath?.map(String)).toEqual([parent.scenarioId.toHexString()]);

    // A later publish does not change the child already started.
    await publishScenario(ctx.db.models, workspaceId, target.toHexString());
    const third = await startChildRun(ctx.db.models, args);
    expect(third.ok && third.run.version).toBe(1);

    const children = await listChildRuns(ctx.db.models, workspaceId, parent._id);
    expect(children.map((c) => c._id.toHexString())).toEqual([first.run._id.toHexString()]);
  });

  it('refuses an unpublished, archived, unknown or other-workspace target, a recursion and too deep a chain', async () => {
    const unpublished = await scenario('Draft only', false);
    const archived = await scenario('Old');
    await archiveScenario(ctx.db.models, workspaceId, archived.toHexString());
    const foreign = await createScenario(ctx.db.models, newObjectId(), { name: 'Theirs', draft });
    const parent = await parentRun();
    const start = (scenarioId: string, p = parent, maxDepth = 10) =>
      startChildRun(ctx.db.models, {
        parent: p,
        nodeId: 'call',
        scenarioId,
        input: null,
        wait: true,
        maxDepth,
        loadVersion,
      });

    expect(await start(unpublished.toHexString())).toMatchObject({
      ok: false,
      code: 'call_target_unavailable',
      message: 'scenario "Draft only" is not published',
    });
    expect(await start(archived.toHexString())).toMatchObject({
      ok: false,
      message: 'scenario "Old" is archived',
    });
    expect(await start(foreign._id.toHexString())).toMatchObject({
      ok: false,
      message: expect.stringContaining('in this workspace'),
    });
    expect(await start('nope')).toMatchObject({ ok: false, code: 'call_target_unavailable' });

    const a = await scenario('A');
    const b = await scenario('B');
    // A run of B called from A calls A again.
    const inB = await parentRun(b, [a]);
    expect(await start(a.toHexString(), inB)).toMatchObject({
      ok: false,
      code: 'call_recursion',
      message: 'calling scenario "A" would recurse: "A" → "B" → "A"',
    });

    // Depth: a run 2 calls deep may call once more under a limit of 3, not under 2.
    const c = await scenario('C');
    const deep = await parentRun(newObjectId(), [newObjectId(), newObjectId()]);
    expect(await start(c.toHexString(), deep, 2)).toMatchObject({
      ok: false,
      code: 'call_depth_exceeded',
      details: { depth: 3, maxDepth: 2 },
    });
    expect(await start(c.toHexString(), deep, 3)).toMatchObject({ ok: true });
    expect(await ctx.db.models.Run.countDocuments({ 'parent.runId': parent._id })).toBe(0);
  });

  it('resumes a waiting parent once its child ended; a running parent finds the child itself', async () => {
    const target = await scenario('Child');
    const parent = await parentRun();
    const started = await startChildRun(ctx.db.models, {
      parent,
      nodeId: 'call',
      scenarioId: target.toHexString(),
      input: null,
      wait: true,
      maxDepth: 10,
      loadVersion,
    });
    if (!started.ok) throw new Error(started.message);
    const child = started.run;
    const { queue, jobs } = recordingQueue();

    // The child ends while the parent is still running (it has not suspended yet).
    await claimRun(ctx.db.models, parent._id, { owner: 'p', leaseMs: 30_000 });
    await claimRun(ctx.db.models, child._id, { owner: 'c', leaseMs: 30_000 });
    await finishRun(ctx.db.models, child._id, 'c', { status: 'succeeded' });
    expect(await resumeParentOf(ctx.db.models, queue, child)).toBe('parent_running');
    expect(jobs).toEqual([]);
    // The parent suspends, far ahead, and then looks for children that ended meanwhile.
    const far = new Date(Date.now() + 86_400_000);
    await releaseRun(ctx.db.models, parent._id, 'p', { status: 'waiting', resumeAt: far });
    const ended = await childRunsToResume(ctx.db.models, parent._id);
    expect(ended.map((c) => c._id.toHexString())).toEqual([child._id.toHexString()]);
    expect(await unresumedChildRuns(ctx.db.models, new Date(Date.now() + 1_000), 10)).toHaveLength(1);

    expect(await resumeParentOf(ctx.db.models, queue, ended[0]!)).toBe('resumed');
    expect(jobs).toEqual([{ runId: parent._id.toHexString() }]);
    const woken = await ctx.db.models.Run.findById(parent._id).lean<RunDoc>();
    expect(woken?.status).toBe('waiting');
    expect(woken!.resumeAt!.getTime()).toBeLessThan(far.getTime());
    // Due now: the job's claim takes it.
    expect(await claimRun(ctx.db.models, parent._id, { owner: 'p2', leaseMs: 30_000 })).not.toBeNull();
    // Done: the child no longer counts as owing its parent a resume.
    expect(await childRunsToResume(ctx.db.models, parent._id)).toEqual([]);
    expect(await unresumedChildRuns(ctx.db.models, new Date(Date.now() + 1_000), 10)).toEqual([]);
  });

  it('a parent that suspends between the two reads of the resume is resumed, not forgotten', async () => {
    const target = await scenario('Quick child');
    const parent = await parentRun();
    const started = await startChildRun(ctx.db.models, {
      parent,
      nodeId: 'call',
      scenarioId: target.toHexString(),
      input: null,
      wait: true,
      maxDepth: 10,
      loadVersion,
    });
    if (!started.ok) throw new Error(started.message);
    await claimRun(ctx.db.models, parent._id, { owner: 'p', leaseMs: 30_000 });
    await claimRun(ctx.db.models, started.run._id, { owner: 'c', leaseMs: 30_000 });
    await finishRun(ctx.db.models, started.run._id, 'c', { status: 'succeeded' });
    // The parent is running when the resume first tries to wake it, and suspends before it looks again.
    const collection = ctx.db.models.Run.collection;
    let suspended = false;
    const racing = new Proxy(collection, {
      get(target, property, receiver) {
        if (property !== 'findOne') return Reflect.get(target, property, receiver);
        return async (...args: Parameters<typeof collection.findOne>) => {
          if (!suspended) {
            suspended = true;
            await releaseRun(ctx.db.models, parent._id, 'p', {
              status: 'waiting',
              resumeAt: new Date(Date.now() + 86_400_000),
            });
          }
          return collection.findOne(...args);
        };
      },
    });
    const models = { ...ctx.db.models, Run: { collection: racing } } as unknown as typeof ctx.db.models;
    const { queue, jobs } = recordingQueue();
    expect(await resumeParentOf(models, queue, started.run)).toBe('resumed');
    expect(suspended).toBe(true);
    expect(jobs).toEqual([{ runId: parent._id.toHexString() }]);
    expect(
      (await ctx.db.models.Run.findById(parent._id).lean<RunDoc>())!.resumeAt!.getTime(),
    ).toBeLessThanOrEqual(Date.now());
  });

  it('a child that is not waited for never resumes its parent', async () => {
    const target = await scenario('Fire and forget');
    const parent = await parentRun();
    const started = await startChildRun(ctx.db.models, {
      parent,
      nodeId: 'call',
      scenarioId: target.toHexString(),
      input: null,
      wait: false,
      maxDepth: 10,
      loadVersion,
    });
    if (!started.ok) throw new Error(started.message);
    expect(started.run.resumeParent).toBeUndefined();
    const { queue, jobs } = recordingQueue();
    expect(await resumeParentOf(ctx.db.models, queue, started.run)).toBe('no_parent');
    expect(jobs).toEqual([]);
  });
});
