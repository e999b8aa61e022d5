import { describe, expect, it } from 'vitest';
import { manualGraph, rejection } from './fixtures.js';
import { createSignedApp, postSigned, useApi, webhookScenario } from './harness.js';

const h = useApi();

const flowControl = {
  concurrency: { key: 'trigger.body.customerId', limit: 1 },
  throttle: { key: 'trigger.body.customerId', count: 10, periodMs: 60_000 },
};

describe('scenarios.setFlowControl', () => {
  it('saves the draft’s flow control (the revision stays), publishes it into the version, clears it with null', async () => {
    const scenario = await h.caller.scenarios.create({ name: 'Flow', draft: manualGraph });
    const saved = await h.caller.scenarios.setFlowControl({ id: scenario.id, flowControl });
    expect(saved.flowControl).toEqual(flowControl);
    expect(saved.revision).toBe(scenario.revision);
    const published = await h.caller.scenarios.publish({ id: scenario.id });
    const version = await h.db.models.ScenarioVersion.findById(published.version.id).lean().exec();
    expect(version?.flowControl).toEqual(flowControl);
    const cleared = await h.caller.scenarios.setFlowControl({ id: scenario.id, flowControl: {} });
    expect(cleared.flowControl).toBeNull();
  });

  it('refuses bad config with a message naming the field, and changes nothing', async () => {
    const scenario = await h.caller.scenarios.create({ name: 'Flow', draft: manualGraph });
    await h.caller.scenarios.setFlowControl({ id: scenario.id, flowControl });
    const cases: [unknown, RegExp][] = [
      [{ concurrency: { key: 'trigger.body.(', limit: 1 } }, /flowControl\.concurrency\.key.*key does not compile/],
      [{ concurrency: { key: 'trigger.id', limit: 0 } }, /flowControl\.concurrency\.limit.*limit must be at least 1/],
      [
        { debounce: { key: 'trigger.id', periodMs: 1_000, maxWaitMs: 100, mode: 'last' } },
        /flowControl\.debounce\.maxWaitMs.*maxWaitMs must be at least/,
      ],
    ];
    for (const [bad, message] of cases) {
      const error = await rejection(h.caller.scenarios.setFlowControl({ id: scenario.id, flowControl: bad as never }));
      expect(error.code).toBe('BAD_REQUEST');
      expect(error.message).toMatch(message);
    }
    expect((await h.caller.scenarios.get({ id: scenario.id })).flowControl).toEqual(flowControl);
  });
});

describe('runs of a flow-controlled scenario', () => {
  it('a webhook’s run is created waiting, with its keys, shown by runs.get and runs.list', async () => {
    const app = await createSignedApp(h, { scheme: 'generic' });
    const scenarioId = await webhookScenario(h, app.id, { publish: false });
    await h.caller.scenarios.setFlowControl({ id: scenarioId, flowControl });
    await h.caller.scenarios.publish({ id: scenarioId });
    const answer = await postSigned(h, app, JSON.stringify({ customerId: 'cust-42' }));
    expect(answer.status).toBe(202);
    const [runId] = answer.json.runIds as string[];
    const run = await h.caller.runs.get({ id: runId! });
    expect(run).toMatchObject({
      status: 'queued',
      waitingFor: 'throttle',
      flow: {
        concurrency: { key: 'cust-42', limit: 1 },
        throttle: { key: 'cust-42', count: 10, periodMs: 60_000 },
        debounce: null,
        admittedAt: null,
      },
    });
    const listed = await h.caller.runs.list({ scenarioId });
    expect(listed.items.map((item) => [item.id, item.waitingFor])).toEqual([[runId, 'throttle']]);
  });

  it('a run whose key cannot be computed is created failed, its error naming the field', async () => {
    const scenario = await h.caller.scenarios.create({ name: 'Bad key', draft: manualGraph });
    await h.caller.scenarios.setFlowControl({
      id: scenario.id,
      flowControl: { concurrency: { key: '$number(trigger.n)', limit: 1 } },
    });
    await h.caller.scenarios.publish({ id: scenario.id });
    const started = await h.caller.runs.start({ scenarioId: scenario.id, input: { n: 'seven' } });
    const run = await h.caller.runs.get({ id: started.runId });
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'flow_key_failed' });
    expect(run.error?.message).toMatch(/^flowControl\.concurrency\.key: /);
  });
});

describe('scenario files carry the flow control', () => {
  it('export writes it, import plans and applies a change and publishes it, a bad key is a problem naming the field', async () => {
    const scenario = await h.caller.scenarios.create({ name: 'Flow as a file', draft: manualGraph });
    await h.caller.scenarios.setFlowControl({ id: scenario.id, flowControl });
    const { files } = await h.caller.scenarios.export({ ids: [scenario.id] });
    const [exported] = files;
    expect(exported?.scenario.flowControl).toEqual(flowControl);

    const changed = { ...exported!.scenario, flowControl: { concurrency: { key: 'trigger.body.region', limit: 3 } } };
    const dry = await h.caller.scenarios.import({ files: [{ path: 'flow.json', content: changed }], dryRun: true });
    expect(dry.problems).toEqual([]);
    expect(dry.scenarios).toMatchObject([{ action: 'update', flowControlChanged: true }]);
    const applied = await h.caller.scenarios.import({
      files: [{ path: 'flow.json', content: changed }],
      dryRun: false,
      publish: true,
    });
    expect(applied.published).toHaveLength(1);
    expect((await h.caller.scenarios.get({ id: scenario.id })).flowControl).toEqual(changed.flowControl);
    const version = await h.db.models.ScenarioVersion.findOne({ scenarioId: scenario.id }).sort({ version: -1 }).lean().exec();
    expect(version?.flowControl).toEqual(changed.flowControl);
    const again = await h.caller.scenarios.import({ files: [{ path: 'flow.json', content: changed }], dryRun: true });
    expect(again.scenarios).toMatchObject([{ action: 'unchanged', flowControlChanged: false }]);

    const bad = { ...changed, flowControl: { throttle: { key: '$$(', count: 1, periodMs: 1_000 } } };
    const refused = await h.caller.scenarios.import({ files: [{ path: 'flow.json', content: bad }], dryRun: false });
    expect(refused.applied).toBe(false);
    expect(refused.problems).toEqual([
      { path: 'flow.json', message: expect.stringMatching(/^flowControl\.throttle\.key: key does not compile/) },
    ]);
    expect((await h.caller.scenarios.get({ id: scenario.id })).flowControl).toEqual(changed.flowControl);
  });
});
