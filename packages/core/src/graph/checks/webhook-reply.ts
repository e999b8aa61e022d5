import { quote } from '../format.js';
import type { GraphProblem } from '../types.js';
import type { CheckContext } from './context.js';

/**
 * `webhook.respond` nodes need a webhook trigger with `respond: "node"` (nobody waits for their
 * answer otherwise), such a trigger needs one (or its callers wait for the timeout every time),
 * and a reply inside a for-each body would answer once per item.
 */
export function checkWebhookReply(context: CheckContext): GraphProblem[] {
  const problems: GraphProblem[] = [];
  const replyIds: string[] = [];
  for (const [id] of context.index.nodes) if (context.types.get(id)?.repliesToWebhook) replyIds.push(id);
  const [triggerId] = context.triggerIds;
  const trigger = triggerId === undefined ? undefined : context.index.nodes.get(triggerId);
  const waits =
    context.triggerIds.length === 1 &&
    trigger !== undefined &&
    context.types.get(trigger.id)?.holdsWebhookReply?.(trigger.config) === true;
  if (waits && replyIds.length === 0) {
    problems.push({
      code: 'reply_node_missing',
      nodeId: trigger.id,
      path: ['respond'],
      message: `Trigger ${quote(trigger.id)} has respond: "node" but the scenario has no webhook.respond node; add one or set respond to "accepted".`,
    });
  }
  if (!waits && replyIds.length > 0) {
    for (const id of replyIds) {
      problems.push({
        code: 'reply_without_waiting_trigger',
        nodeId: id,
        message: `Node ${quote(id)} replies to the webhook, but the trigger does not wait for it; use a webhook trigger with respond: "node".`,
      });
    }
  }
  for (const id of replyIds) {
    const parentId = context.index.nodes.get(id)?.parentId;
    if (parentId === undefined) continue;
    problems.push({
      code: 'reply_in_loop',
      nodeId: id,
      message: `Node ${quote(id)} replies to the webhook inside the for-each body ${quote(parentId)}; a request gets one answer: move it out of the loop.`,
    });
  }
  return problems;
}
