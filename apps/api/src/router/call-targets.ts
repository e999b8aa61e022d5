import {
  type CallTarget,
  callProblems,
  DEFAULT_MAX_CALL_DEPTH,
  type GraphProblem,
  type GraphShape,
  staticCalls,
} from '@weft/core';
import { findScenarioHeads, findVersionNodes, type Models, type ScenarioDoc } from '@weft/db';
import { Types } from 'mongoose';
import type { ObjectId } from '../ids.js';

/**
 * The problems of a graph's scenario calls that only the server can see: targets that do not
 * exist in the workspace (or are archived) or are not published, and cycles or too long chains
 * through the published versions of the scenarios it reaches. The scenarios reached are loaded
 * breadth-first, once each, with their published versions' fixed call targets.
 */
export async function callTargetProblems(
  models: Models,
  workspaceId: ObjectId,
  self: Pick<ScenarioDoc, '_id' | 'name'>,
  graph: GraphShape,
): Promise<GraphProblem[]> {
  const calls = staticCalls(graph);
  if (calls.length === 0) return [];
  const targets = new Map<string, CallTarget>();
  const selfId = self._id.toHexString();
  let frontier = [...new Set(calls.map((call) => call.scenarioId))].filter((id) => id !== selfId);
  const seen = new Set(frontier);
  while (frontier.length > 0) {
    const scenarios = await findScenarioHeads(
      models,
      workspaceId,
      frontier.map((id) => new Types.ObjectId(id)),
    );
    const versionIds = scenarios.flatMap((s) => (s.publishedVersionId ? [s.publishedVersionId] : []));
    const versions = await findVersionNodes(models, versionIds);
    const nodesOf = new Map(versions.map((v) => [v._id.toHexString(), v.nodes]));
    const next = new Set<string>();
    for (const scenario of scenarios) {
      const nodes = scenario.publishedVersionId
        ? nodesOf.get(scenario.publishedVersionId.toHexString())
        : undefined;
      const called = nodes ? staticCalls({ nodes, edges: [] }).map((call) => call.scenarioId) : [];
      targets.set(scenario._id.toHexString(), {
        name: scenario.name,
        published: nodes !== undefined,
        calls: called,
      });
      for (const id of called) if (id !== selfId && !seen.has(id)) next.add(id);
    }
    for (const id of next) seen.add(id);
    frontier = [...next];
  }
  return callProblems({ id: selfId, name: self.name }, graph, targets, DEFAULT_MAX_CALL_DEPTH);
}
