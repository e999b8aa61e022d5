import { createApiToken, createWorkspace, toObjectId } from '@weft/db';
import { describe, expect, it } from 'vitest';
import { rejection } from './fixtures.js';
import { callerFor, jobsFor, useApi } from './harness.js';

const h = useApi();

const manualGraph = {
  nodes: [
    { id: 'start', type: 'trigger.manual', version: 1, config: { sampleInput: { orderId: 'sample' } } },
    { id: 'log', type: 'logger', version: 1, config: { message: 'manual {{ trigger.orderId }}' } },
  ],
  edges: [{ id: 'e1', source: 'start', target: 'log' }],
};

describe('runs.start (the Run button)', () => {
  it('queues a manual run of the published version with the given input, like POST /trigger/:id', async () => {
    const scenario = await h.caller.scenarios.create({ name: 'Run me', draft: manualGraph });
    await h.caller.scenarios.publish({ id: scenario.id });
    // A draft edited after publishing does not change what runs.
    await h.caller.scenarios.updateDraft({
      id: scenario.id,
      revision: (await h.caller.scenarios.get({ id: scenario.id })).revision,
      draft: { nodes: [manualGraph.nodes[0]!], edges: [] },
    });
    const started = await h.caller.runs.start({ scenarioId: scenario.id, input: { orderId: 'o-7' } });
    expect(started).toEqual({ runId: expect.stringMatching(/^[0-9a-f]{24}$/), correlationId: started.runId });
    const run = await h.db.models.Run.findById(started.runId).lean().exec();
    expect(run).toMatchObject({
      status: 'queued',
      scenarioId: toObjectId(scenario.id),
      version: 1,
      trigger: { kind: 'manual', deliveryId: null },
      input: { orderId: 'o-7' },
    });
    expect(run!.steps.map((s) => s.nodeId)).toEqual(['start', 'log']);
    expect(await jobsFor(h, [started.runId])).toHaveLength(1);
    expect((await h.caller.runs.get({ id: started.runId })).id).toBe(started.runId);

    const named = await h.caller.runs.start({ scenarioId: scenario.id, input: null, correlationId: 'batch-3' });
    expect(named.correlationId).toBe('batch-3');
    expect(await h.db.models.Run.findById(named.runId).lean().exec()).toMatchObject({ input: null, correlationId: 'batch-3' });
  });

  it('is refused for a scenario never published, of another workspace or unknown, and starts nothing', async () => {
    const draftOnly = await h.caller.scenarios.create({ name: 'Draft only', draft: manualGraph });
    const unpublished = await rejection(h.caller.runs.start({ scenarioId: draftOnly.id, input: {} }));
    expect(unpublished.code).toBe('PRECONDITION_FAILED');
    expect(unpublished.message).toMatch(/"Draft only" has no published version yet; publish it/);

    const published = await h.caller.scenarios.create({ name: 'Theirs', draft: manualGraph });
    await h.caller.scenarios.publish({ id: published.id });
    const stranger = await createWorkspace(h.db.models, 'Stranger');
    const { token } = await createApiToken(h.db.models, stranger._id, 'stranger');
    const foreign = await rejection(callerFor(h.deps, token).runs.start({ scenarioId: published.id, input: {} }));
    expect(foreign.code).toBe('NOT_FOUND');
    const unknown = await rejection(h.caller.runs.start({ scenarioId: '0123456789abcdef01234567', input: {} }));
    expect(unknown.code).toBe('NOT_FOUND');
    expect(
      await h.db.models.Run.countDocuments({ scenarioId: { $in: [toObjectId(draftOnly.id), toObjectId(published.id)] } }),
    ).toBe(0);
  });
});
