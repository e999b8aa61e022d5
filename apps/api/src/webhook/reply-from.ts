import { webhookReplyPlan } from '@weft/core';
import type { DeliveryReplyFrom, ScenarioVersionDoc } from '@weft/db';
import type { ObjectId } from '../ids.js';

/**
 * Which planned run answers the delivery's caller: the first whose version's webhook trigger has
 * respond: "node" and a `webhook.respond` node. Publishing allows one such scenario per app; should
 * two ever match (publishes racing), the first matched answers and the other runs as usual.
 */
export function replyFromOf(
  planned: readonly { readonly version: Pick<ScenarioVersionDoc, 'nodes'>; readonly runId: ObjectId }[],
): DeliveryReplyFrom | null {
  for (const { version, runId } of planned) {
    const plan = webhookReplyPlan(version.nodes);
    if (plan && plan.nodeIds.length > 0)
      return { runId, nodeIds: [...plan.nodeIds], timeoutMs: plan.timeoutMs };
  }
  return null;
}
