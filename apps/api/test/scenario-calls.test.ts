import {
  createRuns,
  findScenarioVersion,
  JOBS_COLLECTION,
  newObjectId,
  type RunDoc,
  startChildRun,
  toObjectId,
} from '@weft/db';
import { describe, expect, it } from 'vitest';
import type { GraphProblemsError } from '../src/trpc.js';
import { manualGraph, publishedManualScenario, rejection } from './fixtures.js';
import { useApi } from './harness.js';

const h = useApi();

/** A manual trigger and a call of `scenarioId`. */
function callGraph(scenarioId: string) {
  return {
    nodes: [
      { id: 'start', type: 'trigger.manual', version: 1, config: {}, position: { x: 0, y: 0 } },
      {
        id: 'call',
        type: 'scenario.call',
        version: 1,
        config: { scenarioId, input: { n: '{{ trigger.n }}' } },
        position: { x: 200, y: 0 },
      },
    ],
    edges: [{ id: 'e1', source: 'start', target: 'call' }],
  };
}

async function publishedCaller(name: string, target: string) {
  const scenario = await h.caller.scenarios.create({ name, draft: callGraph(target) });
  return (await h.caller.scenarios.publish({ id: scenario.id })).scenario;
}

describe('scenario calls: publish checks', () => {
  it('publishes a call of a published scenario; refuses a missing, unpublished or own target, naming the field', async () => {
    const { scenario: sync } = await publishedManualScenario(h.caller, 'Sync customer');
    const ok = await publishedCaller('Order flow', sync.id);
    expect(ok.version).toBe(1);

    const draftOnly = await h.caller.scenarios.create({ name: 'Draft only', draft: manualGraph });
    const unpublished = await h.caller.scenarios.create({
      name: 'Calls a draft',
      draft: callGraph(draftOnly.id),
    });
    const refused = await rejection(h.caller.scenarios.publish({ id: unpublished.id }));
    expect(refused.code).toBe('BAD_REQUEST');
    expect(refused.message).toContain('scenario "Draft only" is not published; publish it first');
    expect((refused.cause as GraphProblemsError).problems).toEqual([
      expect.objectContaining({ code: 'invalid_config', nodeId: 'call', path: ['scenarioId'] }),
    ]);

    const missing = await h.caller.scenarios.create({
      name: 'Calls nothing',
      draft: callGraph(newObjectId().toHexString()),
    });
    expect((await h.caller.scenarios.validate({ id: missing.id })).problems.map((p) => p.message)).toEqual([
      expect.stringContaining('in this workspace'),
    ]);
    await h.caller.scenarios.delete({ id: sync.id });
    expect((await h.caller.scenarios.validate({ id: ok.id })).problems.map((p) => p.code)).toEqual([
      'invalid_config',
    ]);

    const self = await h.caller.scenarios.create({ name: 'Narcissus', draft: manualGraph });
    await h.caller.scenarios.updateDraft({ id: self.id, revision: self.revision, draft: callGraph(self.id) });
    const selfCall = await rejection(h.caller.scenarios.publish({ id: self.id }));
    expect(selfCall.message).toContain('calls its own scenario "Narcissus"');
  });

  it('refuses a publish that would make A call B call A, naming the cycle; the draft stays unpublished', async () => {
    const { scenario: a } = await publishedManualScenario(h.caller, 'A');
    const b = await publishedCaller('B', a.id);
    const draft = await h.caller.scenarios.get({ id: a.id });
    await h.caller.scenarios.updateDraft({ id: a.id, revision: draft.revision, draft: callGraph(b.id) });

    const refused = await rejection(h.caller.scenarios.publish({ id: a.id }));
    expect(refused.code).toBe('BAD_REQUEST');
    expect(refused.message).toContain('would recurse: "A" → "B" → "A"');
    expect((refused.cause as GraphProblemsError).problems).toEqual([
      expect.objectContaining({ code: 'call_cycle', nodeId: 'call' }),
    ]);
    const after = await h.caller.scenarios.get({ id: a.id });
    expect(after.version).toBe(1);
    // The editor's validate says so before publishing; so does a dry-run.
    expect((await h.caller.scenarios.validate({ id: a.id })).problems.map((p) => p.code)).toEqual([
      'call_cycle',
    ]);
    const preview = await h.caller.scenarios.dryRun({ id: a.id, trigger: { n: 1 } });
    expect(preview.problems.map((p) => p.code)).toEqual(['call_cycle']);
  });

  it('a dry-run simulates the call: no run is created, the node shows what it would call', async () => {
    const { scenario: sync } = await publishedManualScenario(h.caller, 'Sync for preview');
    const flow = await h.caller.scenarios.create({ name: 'Preview flow', draft: callGraph(sync.id) });
    const before = await h.db.models.Run.countDocuments({});
    const preview = await h.caller.scenarios.dryRun({ id: flow.id, trigger: { n: 4 } });
    expect(preview.problems).toEqual([]);
    expect(preview.nodes.find((n) => n.nodeId === 'call')?.output).toMatchObject({
      scenarioId: sync.id,
      simulated: true,
      input: { n: 4 },
      status: 'succeeded',
    });
    expect(await h.db.models.Run.countDocuments({})).toBe(before);
  });
});

describe('scenario calls: run links', () => {
  async function parentWithChild() {
    const { scenario: child } = await publishedManualScenario(h.caller, 'Child');
    const parent = await publishedCaller('Parent', child.id);
    const version = await findScenarioVersion(h.db.models, toObjectId(parent.publishedVersionId!));
    const [parentId] = await createRuns(h.db.models, [
      {
        workspaceId: h.workspaceId,
        scenarioId: version!.scenarioId,
        scenarioVersionId: version!._id,
        version: version!.version,
        trigger: { kind: 'manual' },
        correlationId: 'corr-call',
        input: { n: 2 },
        nodes: version!.nodes.map((n) => ({ id: n.id, type: n.type })),
      },
    ]);
    const parentDoc = (await h.db.models.Run.findById(parentId).lean<RunDoc>())!;
    const started = await startChildRun(h.db.models, {
      parent: parentDoc,
      nodeId: 'call',
      scenarioId: child.id,
      input: { n: 2 },
      wait: true,
      maxDepth: 10,
      loadVersion: (id) => findScenarioVersion(h.db.models, id),
    });
    if (!started.ok) throw new Error(started.message);
    return {
      parentId: parentId!.toHexString(),
      childId: started.run._id.toHexString(),
      childScenarioId: child.id,
    };
  }

  it('runs.get links a parent to its children and a child to its parent', async () => {
    const { parentId, childId, childScenarioId } = await parentWithChild();
    const parent = await h.caller.runs.get({ id: parentId });
    expect(parent.parent).toBeNull();
    expect(parent.children).toEqual([
      expect.objectContaining({
        runId: childId,
        nodeId: 'call',
        scenarioId: childScenarioId,
        status: 'queued',
        wait: true,
      }),
    ]);
    const child = await h.caller.runs.get({ id: childId });
    expect(child.parent).toMatchObject({ runId: parentId, nodeId: 'call', wait: true });
    expect(child.trigger.kind).toBe('call');
    expect(child.children).toEqual([]);
  });

  it('cancelling a queued child resumes its waiting parent at once', async () => {
    const { parentId, childId } = await parentWithChild();
    await h.db.models.Run.collection.updateOne(
      { _id: toObjectId(parentId) },
      { $set: { status: 'waiting', resumeAt: new Date(Date.now() + 86_400_000) } },
    );
    const cancelled = await h.caller.runs.cancel({ id: childId });
    expect(cancelled.outcome).toBe('cancelled');
    const parent = await h.caller.runs.get({ id: parentId });
    expect(parent.status).toBe('waiting');
    expect(parent.resumeAt!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(
      await h.db.connection.db!.collection(JOBS_COLLECTION).countDocuments({ 'data.runId': parentId }),
    ).toBe(1);
  });
});
