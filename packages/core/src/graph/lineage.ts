import type { ScenarioEdge } from '../schemas/graph.js';

/** An `ExecutionPlan`, or a `GraphIndex` of a draft that may be invalid (cycles are fine). */
export interface Adjacency {
  readonly incoming: ReadonlyMap<string, readonly ScenarioEdge[]>;
  readonly outgoing: ReadonlyMap<string, readonly ScenarioEdge[]>;
}

/**
 * Every ancestor of a node, nearest first (breadth-first, ties in edge order), without the node
 * itself: the nodes an expression in it may reference.
 */
export function upstreamNodeIds(graph: Adjacency, nodeId: string): string[] {
  return breadthFirst(nodeId, (id) => (graph.incoming.get(id) ?? []).map((edge) => edge.source));
}

/** Every descendant of a node, nearest first, without the node itself. */
export function downstreamNodeIds(graph: Adjacency, nodeId: string): string[] {
  return breadthFirst(nodeId, (id) => (graph.outgoing.get(id) ?? []).map((edge) => edge.target));
}

function breadthFirst(start: string, neighbours: (id: string) => readonly string[]): string[] {
  const seen = new Set<string>([start]);
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    for (const next of neighbours(queue[head]!)) {
      if (seen.has(next)) continue;
      seen.add(next);
      queue.push(next);
    }
  }
  return queue.slice(1);
}
