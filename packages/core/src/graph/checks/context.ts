import { type GraphIndex, indexGraph } from '../graph-index.js';
import type { GraphNodeTypeInfo, GraphProblem, GraphShape, NodeTypeLookup } from '../types.js';

/** What every check reads, computed once per validation. */
export interface CheckContext {
  readonly graph: GraphShape;
  readonly index: GraphIndex;
  readonly lookup: NodeTypeLookup;
  /** Type info of the indexed nodes (first node per id) whose type is known. */
  readonly types: ReadonlyMap<string, GraphNodeTypeInfo>;
  /** Indexed trigger node ids, in node array order. */
  readonly triggerIds: readonly string[];
}

export type GraphCheck = (context: CheckContext) => GraphProblem[];

export function createCheckContext(graph: GraphShape, lookup: NodeTypeLookup): CheckContext {
  const index = indexGraph(graph);
  const types = new Map<string, GraphNodeTypeInfo>();
  const triggerIds: string[] = [];
  for (const [id, node] of index.nodes) {
    const info = lookup(node.type);
    if (info === undefined) continue;
    types.set(id, info);
    if (info.isTrigger) triggerIds.push(id);
  }
  return { graph, index, lookup, types, triggerIds };
}
