import { type GraphProblem, type GraphShape, webhookReplyPlan } from '@weft/core';
import { findVersionNodes, findWebhookScenariosOfApp, type Models, type ScenarioDoc } from '@weft/db';
import type { ObjectId } from '../ids.js';

/**
 * A webhook's caller gets one answer, so only one published scenario per app may answer with a
 * `webhook.respond` node (respond: "node"): publishing a second is refused on its trigger's
 * `respond` field, naming the scenario that already answers. Disabled scenarios count too
 * (enabling one does not validate again).
 */
export async function replyConflictProblems(
  models: Models,
  workspaceId: ObjectId,
  self: Pick<ScenarioDoc, '_id'>,
  graph: GraphShape,
): Promise<GraphProblem[]> {
  if (!webhookReplyPlan(graph.nodes)) return [];
  const trigger = graph.nodes.find((node) => node.type === 'trigger.webhook');
  const appId = trigger?.config.appId;
  if (!trigger || typeof appId !== 'string') return [];
  const others = await findWebhookScenariosOfApp(models, workspaceId, appId, self._id);
  const versionIds = others.flatMap((s) => (s.publishedVersionId ? [s.publishedVersionId] : []));
  if (versionIds.length === 0) return [];
  const versions = await findVersionNodes(models, versionIds);
  const answering = new Set(
    versions.filter((version) => webhookReplyPlan(version.nodes)).map((version) => version._id.toHexString()),
  );
  return others
    .filter((other) => other.publishedVersionId && answering.has(other.publishedVersionId.toHexString()))
    .map((other) => ({
      code: 'reply_conflict' as const,
      nodeId: trigger.id,
      path: ['respond'],
      message: `Node "${trigger.id}" (trigger.webhook) field "respond": scenario "${other.name}" already answers this app's webhooks (respond: "node"); one scenario per app may, so set respond to "accepted" here or there.`,
    }));
}
