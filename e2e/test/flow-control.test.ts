import type { RunDoc } from '@weft/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callTrpc, deliverToOneRun, isFinal, openStack, seedSignedApp } from './harness.js';
import { startSink } from './sink.js';

/**
 * Flow control over HTTP with the built api and two runner processes: the flow control is set
 * through tRPC (a bad key is refused naming its field), webhooks of three customers arrive at once,
 * and each customer's runs run one after another in the order they were created.
 */

const SECRET = 'flow-control-shared-secret-01234';
const TOKEN = `weft_${'f'.repeat(43)}`;
const stack = await openStack('e2e_flow');
const { db } = stack;
const sink = await startSink(() => ({ status: 200, body: { ok: true } }));
const position = { x: 0, y: 0 };
let scenarioId = '';

const mutate = async (procedure: string, input: unknown) => callTrpc(stack, TOKEN, procedure, input, 'mutation');

beforeAll(async () => {
  await stack.start({ token: TOKEN, runners: ['flow-a', 'flow-b'] });
  // The bootstrap token's workspace, created by the api's first start.
  const workspace = await db.models.Workspace.findOne().lean().exec();
  if (!workspace) throw new Error('the api created no workspace');
  const appId = await seedSignedApp(stack, workspace._id, { key: 'e2e-flow', name: 'Shop', secret: SECRET });
  const created = await mutate('scenarios.create', {
    name: 'Per customer',
    draft: {
      nodes: [
        { id: 'hook', type: 'trigger.webhook', version: 1, config: { appId }, position },
        { id: 'notify', type: 'http.request', version: 2, config: { method: 'POST', url: `${sink.url}/notify` }, position },
      ],
      edges: [{ id: 'e1', source: 'hook', target: 'notify' }],
    },
  });
  expect(created.status).toBe(200);
  scenarioId = created.data.id;
});

afterAll(async () => {
  await sink.close();
  await stack.stop();
});

describe('flow control over HTTP', () => {
  it('refuses a key that does not compile, naming the field', async () => {
    const refused = await mutate('scenarios.setFlowControl', {
      id: scenarioId,
      flowControl: { concurrency: { key: 'trigger.body.customer.(', limit: 1 } },
    });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.error)).toMatch(/flowControl\.concurrency\.key.*key does not compile/);
  });

  it('runs each customer’s webhooks one at a time, in the order they were created, across two runners', async () => {
    const saved = await mutate('scenarios.setFlowControl', {
      id: scenarioId,
      flowControl: { concurrency: { key: 'trigger.body.customer', limit: 1 } },
    });
    expect(saved.status).toBe(200);
    expect((await mutate('scenarios.publish', { id: scenarioId })).status).toBe(200);
    expect((await mutate('scenarios.setEnabled', { id: scenarioId, enabled: true })).status).toBe(200);

    const runIds = await Promise.all(
      Array.from({ length: 18 }, (_, i) => deliverToOneRun(stack, 'e2e-flow', SECRET, { customer: `c${i % 3}`, i })),
    );
    let runs: RunDoc[] = [];
    await expect
      .poll(
        async () => {
          runs = await db.models.Run.find({ _id: { $in: runIds } }).lean<RunDoc[]>().exec();
          return runs.filter(isFinal).length;
        },
        { timeout: 90_000, interval: 200 },
      )
      .toBe(runIds.length);
    expect(runs.every((run) => run.status === 'succeeded')).toBe(true);
    for (const customer of ['c0', 'c1', 'c2']) {
      const ofKey = runs.filter((run) => run.flow?.concurrency?.key === customer);
      expect(ofKey).toHaveLength(6);
      const created = [...ofKey].sort(
        (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a._id.toHexString().localeCompare(b._id.toHexString()),
      );
      const started = [...ofKey].sort((a, b) => a.startedAt!.getTime() - b.startedAt!.getTime());
      expect(started.map((run) => run._id.toHexString())).toEqual(created.map((run) => run._id.toHexString()));
      for (let i = 1; i < started.length; i++)
        expect(started[i]!.startedAt!.getTime()).toBeGreaterThanOrEqual(started[i - 1]!.finishedAt!.getTime());
    }
    // The api shows a run's flow.
    const shown = await callTrpc(stack, TOKEN, 'runs.get', { id: runIds[0] }, 'query');
    expect(shown.data).toMatchObject({ waitingFor: null, flow: { concurrency: { key: 'c0', limit: 1 } } });
  });
});
