import type { GraphShape } from '../graph/types.js';
import type { Step } from '../schemas/entities.js';

/**
 * What a called run gives back to the step that waited for it: the outputs of its final steps
 * (the nodes no edge leaves) that succeeded, by node id. Branches not taken leave no entry; a
 * stored output that was capped is its preview.
 */
export function childRunOutput(graph: GraphShape, steps: readonly Step[]): Record<string, unknown> {
  const sources = new Set(graph.edges.map((edge) => edge.source));
  const byNode = new Map(steps.map((step) => [step.nodeId, step]));
  const output: Record<string, unknown> = {};
  for (const node of graph.nodes) {
    if (sources.has(node.id)) continue;
    const step = byNode.get(node.id);
    if (step?.status === 'succeeded') output[node.id] = step.output ?? null;
  }
  return output;
}
