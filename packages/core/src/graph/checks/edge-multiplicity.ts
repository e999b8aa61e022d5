import { incomingOf } from '../graph-index.js';
import { quote, quoteList } from '../format.js';
import type { GraphProblem } from '../types.js';
import type { CheckContext } from './context.js';

/** `duplicate_edge` (per repeated edge, in edge order), then `multiple_edges_to_single_input` (per input). */
export function checkEdgeMultiplicity(context: CheckContext): GraphProblem[] {
  const problems: GraphProblem[] = [];
  const firstWithKey = new Map<string, string>();
  for (const edge of context.graph.edges) {
    const key = connectionKey(edge.source, edge.sourceHandle, edge.target, edge.targetHandle);
    const first = firstWithKey.get(key);
    if (first === undefined) {
      firstWithKey.set(key, edge.id);
      continue;
    }
    problems.push({
      code: 'duplicate_edge',
      edgeId: edge.id,
      message: `Edge ${quote(edge.id)} duplicates edge ${quote(first)} (${edge.source}.${edge.sourceHandle} → ${edge.target}.${edge.targetHandle}).`,
    });
  }

  for (const nodeId of context.index.nodeIds) {
    const info = context.types.get(nodeId);
    if (info === undefined || info.isTrigger) continue;
    for (const handle of info.inputs) {
      if (handle.multiple === true) continue;
      // Exact duplicates are already reported as duplicate_edge; count each connection once.
      const connections = new Map<string, string>();
      for (const edge of incomingOf(context.index, nodeId)) {
        if (edge.targetHandle !== handle.id) continue;
        const key = connectionKey(edge.source, edge.sourceHandle, edge.target, edge.targetHandle);
        if (!connections.has(key)) connections.set(key, edge.id);
      }
      if (connections.size < 2) continue;
      problems.push({
        code: 'multiple_edges_to_single_input',
        nodeId,
        message: `Input ${quote(handle.id)} of node ${quote(nodeId)} accepts a single edge but ${connections.size} edges enter it (${quoteList([...connections.values()])}); join them with a merge node.`,
      });
    }
  }
  return problems;
}

function connectionKey(source: string, sourceHandle: string, target: string, targetHandle: string): string {
  return JSON.stringify([source, sourceHandle, target, targetHandle]);
}
