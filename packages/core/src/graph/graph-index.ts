import type { ScenarioEdge, ScenarioNode } from '../schemas/graph.js';
import type { GraphShape } from './types.js';

/**
 * Adjacency of a graph as stored, tolerant of drafts so the editor can use it on invalid graphs:
 * a duplicated node id keeps its first node, and edges with a missing end are left out.
 * Maps rather than plain objects because `__proto__` is a valid node id.
 */
export interface GraphIndex {
  /** Distinct node ids in node array order. */
  readonly nodeIds: readonly string[];
  readonly nodes: ReadonlyMap<string, ScenarioNode>;
  /** Incoming edges per node id, in edge array order; every node id has an entry. */
  readonly incoming: ReadonlyMap<string, readonly ScenarioEdge[]>;
  /** Outgoing edges per node id, in edge array order; every node id has an entry. */
  readonly outgoing: ReadonlyMap<string, readonly ScenarioEdge[]>;
}

export function indexGraph(graph: GraphShape): GraphIndex {
  const nodes = new Map<string, ScenarioNode>();
  const incoming = new Map<string, ScenarioEdge[]>();
  const outgoing = new Map<string, ScenarioEdge[]>();
  for (const node of graph.nodes) {
    if (nodes.has(node.id)) continue;
    nodes.set(node.id, node);
    incoming.set(node.id, []);
    outgoing.set(node.id, []);
  }
  for (const edge of graph.edges) {
    const from = outgoing.get(edge.source);
    const to = incoming.get(edge.target);
    if (from === undefined || to === undefined) continue;
    from.push(edge);
    to.push(edge);
  }
  return { nodeIds: [...nodes.keys()], nodes, incoming, outgoing };
}

export const NO_EDGES: readonly ScenarioEdge[] = [];

export function incomingOf(index: Pick<GraphIndex, 'incoming'>, nodeId: string): readonly ScenarioEdge[] {
  return index.incoming.get(nodeId) ?? NO_EDGES;
}

export function outgoingOf(index: Pick<GraphIndex, 'outgoing'>, nodeId: string): readonly ScenarioEdge[] {
  return index.outgoing.get(nodeId) ?? NO_EDGES;
}
