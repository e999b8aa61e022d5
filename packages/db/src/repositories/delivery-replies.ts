import type { RunStatus, Step } from '@weft/core';
import type { Types } from 'mongoose';
import type { DeliveryReplyDoc, Models, WebhookDeliveryDoc } from '../models.js';

/**
 * Keeps the answer a delivery's caller got from its run, once: the first stored reply wins (two
 * api processes answering a delivery and its retry at the same moment store one), and the winner
 * is returned, so both callers get the same answer.
 */
export async function saveDeliveryReply(
  models: Models,
  deliveryId: Types.ObjectId,
  reply: DeliveryReplyDoc,
): Promise<DeliveryReplyDoc> {
  await models.WebhookDelivery.updateOne(
    { _id: deliveryId, $or: [{ reply: null }, { reply: { $exists: false } }] },
    { $set: { reply } },
  ).exec();
  const stored = await models.WebhookDelivery.findById(deliveryId, { reply: 1 })
    .lean<Pick<WebhookDeliveryDoc, 'reply'>>()
    .exec();
  return stored?.reply ?? reply;
}

export interface RunReplyState {
  readonly status: RunStatus;
  readonly steps: readonly Pick<Step, 'nodeId' | 'status' | 'output' | 'finishedAt'>[];
}

/** A run's status and the steps of the given nodes (their outputs are the replies). */
export async function findRunReplyState(
  models: Models,
  workspaceId: Types.ObjectId,
  runId: Types.ObjectId,
  nodeIds: readonly string[],
): Promise<RunReplyState | null> {
  const run = await models.Run.findOne({ _id: runId, workspaceId }, { status: 1, steps: 1 })
    .lean<{ status: RunStatus; steps?: RunReplyState['steps'] }>()
    .exec();
  if (!run) return null;
  return { status: run.status, steps: (run.steps ?? []).filter((step) => nodeIds.includes(step.nodeId)) };
}
