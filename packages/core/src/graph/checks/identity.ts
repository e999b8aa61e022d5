import { quote } from '../format.js';
import type { GraphProblem } from '../types.js';
import type { CheckContext } from './context.js';

/** `duplicate_node_id`, `duplicate_edge_id`, `unknown_node_type`. */
export function checkIdentity(context: CheckContext): GraphProblem[] {
  const problems: GraphProblem[] = [];
  for (const [id, count] of repeated(context.graph.nodes.map((n) => n.id))) {
    problems.push({
      code: 'duplicate_node_id',
      nodeId: id,
      message: `Node id ${quote(id)} is used by ${count} nodes; node ids must be unique.`,
    });
  }
  for (const [id, count] of repeated(context.graph.edges.map((e) => e.id))) {
    problems.push({
      code: 'duplicate_edge_id',
      edgeId: id,
      message: `Edge id ${quote(id)} is used by ${count} edges; edge ids must be unique.`,
    });
  }
  for (const node of context.graph.nodes) {
    if (context.lookup(node.type) !== undefined) continue;
    problems.push({
      code: 'unknown_node_type',
      nodeId: node.id,
      message: `Node ${quote(node.id)} has unknown type ${quote(node.type)}.`,
    });
  }
  return problems;
}

/** Ids seen more than once with their counts, in order of first appearance. */
function repeated(ids: readonly string[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return [...counts].filter(([, count]) => count > 1);
}
