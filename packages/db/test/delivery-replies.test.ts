import { describe, expect, it } from 'vitest';
import { findRunReplyState, insertDeliveryOnce, newObjectId, saveDeliveryReply } from '../src/index.js';
import { useDatabase } from './setup.js';

const ctx = useDatabase();

async function storedDelivery() {
  const runId = newObjectId();
  const { delivery } = await insertDeliveryOnce(ctx.db.models, {
    workspaceId: newObjectId(),
    appId: newObjectId(),
    deliveryId: `evt_${runId.toHexString()}`,
    deliveryIdSource: 'scheme',
    method: 'POST',
    headers: {},
    contentType: 'application/json',
    body: '{}',
    bodyEncoding: 'utf8',
    sizeBytes: 2,
    receivedAt: new Date(),
    runIds: [runId],
    replyFrom: { runId, nodeIds: ['reply'], timeoutMs: 10_000 },
  });
  return { delivery, runId };
}

describe('delivery replies', () => {
  it('keeps the first reply; a later one gets the stored one back', async () => {
    const { delivery, runId } = await storedDelivery();
    const first = {
      status: 201,
      headers: { 'x-a': '1' },
      body: '{"id":1}',
      runId,
      nodeId: 'reply',
      repliedAt: new Date(),
    };
    expect(await saveDeliveryReply(ctx.db.models, delivery._id, first)).toMatchObject({
      status: 201,
      body: '{"id":1}',
    });
    const second = { ...first, status: 500, body: 'other' };
    expect(await saveDeliveryReply(ctx.db.models, delivery._id, second)).toMatchObject({
      status: 201,
      body: '{"id":1}',
    });
    const stored = await ctx.db.models.WebhookDelivery.findById(delivery._id).lean().exec();
    expect(stored?.reply).toMatchObject({ status: 201, headers: { 'x-a': '1' }, nodeId: 'reply' });
    expect(stored?.replyFrom).toMatchObject({ nodeIds: ['reply'], timeoutMs: 10_000 });
  });

  it("reads a run's status and only the steps of the reply nodes, in its workspace only", async () => {
    const workspaceId = newObjectId();
    const runId = newObjectId();
    const step = (nodeId: string, output: unknown) => ({
      nodeId,
      nodeType: 'webhook.respond',
      status: 'succeeded',
      attempts: 1,
      output,
      outputTruncated: false,
      error: null,
      startedAt: new Date(),
      finishedAt: new Date(),
      durationMs: 0,
    });
    await ctx.db.models.Run.collection.insertOne({
      _id: runId,
      workspaceId,
      scenarioId: newObjectId(),
      status: 'running',
      steps: [step('reply', { status: 202, headers: {} }), step('other', { secret: 1 })],
      updatedAt: new Date(),
    });
    const state = await findRunReplyState(ctx.db.models, workspaceId, runId, ['reply']);
    expect(state?.status).toBe('running');
    expect(state?.steps.map((s) => [s.nodeId, s.output])).toEqual([['reply', { status: 202, headers: {} }]]);
    expect(await findRunReplyState(ctx.db.models, newObjectId(), runId, ['reply'])).toBeNull();
  });
});
