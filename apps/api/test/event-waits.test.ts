import {
  claimRun,
  createRuns,
  findScenarioVersion,
  newObjectId,
  openRunWait,
  releaseRun,
  type RunDoc,
  type RunWaitDoc,
  toObjectId,
} from '@weft/db';
import { describe, expect, it } from 'vitest';
import { rejection } from './fixtures.js';
import { createSignedApp, jobsFor, postSigned, useApi } from './harness.js';

const h = useApi();
const HOUR = 3_600_000;

/** A run suspended in a `wait.event` step for `key`, as a runner leaves it. */
async function waitingRun(appId: string, key: string) {
  const draft = {
    nodes: [
      { id: 'start', type: 'trigger.manual', version: 1, config: {}, position: { x: 0, y: 0 } },
      {
        id: 'paid',
        type: 'wait.event',
        version: 1,
        config: { appId, correlationKey: '{{ trigger.order }}', deliveryKey: 'body.orderId' },
        position: { x: 200, y: 0 },
      },
    ],
    edges: [{ id: 'e1', source: 'start', target: 'paid' }],
  };
  const scenario = await h.caller.scenarios.create({ name: `Payments ${key}`, draft });
  const { scenario: published } = await h.caller.scenarios.publish({ id: scenario.id });
  const version = (await findScenarioVersion(h.db.models, toObjectId(published.publishedVersionId!)))!;
  const runId = newObjectId();
  await createRuns(h.db.models, [
    {
      _id: runId,
      workspaceId: version.workspaceId,
      scenarioId: version.scenarioId,
      scenarioVersionId: version._id,
      version: version.version,
      trigger: { kind: 'manual' },
      correlationId: `corr-${runId.toHexString()}`,
      input: { order: key },
      nodes: version.nodes,
    },
  ]);
  const run = (await claimRun(h.db.models, runId, { owner: 'fixture', leaseMs: 60_000 }))!;
  const expiresAt = new Date(Date.now() + HOUR);
  await openRunWait(h.db.models, {
    run,
    nodeId: 'paid',
    kind: 'event',
    expiresAt,
    event: { appId: toObjectId(appId), correlationKey: key, deliveryKey: 'body.orderId', lookBackMs: 0 },
  });
  await releaseRun(h.db.models, runId, 'fixture', { status: 'waiting', resumeAt: expiresAt });
  return runId.toHexString();
}

const waitOf = (runId: string) => h.db.models.RunWait.findById(`${runId}:paid`).lean<RunWaitDoc>().exec();
const runDoc = async (runId: string) => (await h.db.models.Run.findById(runId).lean<RunDoc>())!;

describe('webhooks and event waits', () => {
  it('a delivery carrying a waiting run’s key is offered to its wait and wakes it; others are not', async () => {
    const app = await createSignedApp(h, { scheme: 'generic' });
    const mine = await waitingRun(app.id, 'o-1');
    const other = await waitingRun(app.id, 'o-2');

    const answer = await postSigned(h, app, JSON.stringify({ orderId: 'o-1', status: 'paid' }));
    expect(answer.status).toBe(202);
    // No scenario is triggered by this app: the delivery only resumes the wait.
    expect(answer.json.runIds).toEqual([]);
    const delivery = await h.db.models.WebhookDelivery.findOne({ deliveryId: answer.json.deliveryId }).lean();
    expect((await waitOf(mine))?.candidates?.map((id) => id.toHexString())).toEqual([
      delivery!._id.toHexString(),
    ]);
    expect((await waitOf(other))?.candidates).toEqual([]);
    expect((await runDoc(mine)).resumeAt!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(await jobsFor(h, [mine])).toHaveLength(1);
    expect(await jobsFor(h, [other])).toHaveLength(0);
    // Offered, so marked dispatched: the sweep leaves it alone.
    await expect
      .poll(async () => (await h.db.models.WebhookDelivery.findById(delivery!._id).lean())?.dispatchedAt)
      .not.toBeNull();
  });

  it('the run view shows the event wait without a resume link; runs.resume refuses it', async () => {
    const app = await createSignedApp(h, { scheme: 'generic' });
    const runId = await waitingRun(app.id, 'o-9');
    const view = await h.caller.runs.get({ id: runId });
    expect(view.waits).toEqual([
      expect.objectContaining({
        nodeId: 'paid',
        kind: 'event',
        appId: app.id,
        correlationKey: 'o-9',
        resumePath: null,
      }),
    ]);
    const refused = await rejection(h.caller.runs.resume({ runId, nodeId: 'paid', decision: 'approved' }));
    expect(refused.code).toBe('NOT_FOUND');
    expect(refused.message).toBe('node "paid" waits for an event, not for an approval: it cannot be decided');
  });
});
