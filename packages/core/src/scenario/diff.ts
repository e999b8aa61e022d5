import type { GraphShape } from '../graph/types.js';
import type { ScenarioEdge, ScenarioNode } from '../schemas/graph.js';

export interface NodeChange {
  readonly nodeId: string;
  /** Which parts changed: type, version, name, config, retry, timeoutMs. Moving a node is not a change. */
  readonly fields: readonly string[];
}

export interface GraphDiff {
  readonly nodes: {
    readonly added: string[];
    readonly removed: string[];
    readonly changed: NodeChange[];
    readonly moved: string[];
  };
  readonly edges: { readonly added: string[]; readonly removed: string[] };
  readonly unchanged: boolean;
}

/** Key order must not make equal configs differ. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

const COMPARED_FIELDS = ['type', 'version', 'name', 'config', 'retry', 'timeoutMs'] as const;

function changedFields(before: ScenarioNode, after: ScenarioNode): string[] {
  return COMPARED_FIELDS.filter((field) => canonical(before[field]) !== canonical(after[field]));
}

/** Edges are the same when they connect the same handles, whatever their ids. */
function edgeKey(edge: ScenarioEdge): string {
  return `${edge.source}\u0000${edge.sourceHandle}\u0000${edge.target}\u0000${edge.targetHandle}`;
}

/** What publishing `after` would change relative to `before` (e.g. the published version vs the draft). */
export function diffGraphs(before: GraphShape, after: GraphShape): GraphDiff {
  const beforeNodes = new Map(before.nodes.map((n) => [n.id, n]));
  const afterNodes = new Map(after.nodes.map((n) => [n.id, n]));
  const added = after.nodes.filter((n) => !beforeNodes.has(n.id)).map((n) => n.id);
  const removed = before.nodes.filter((n) => !afterNodes.has(n.id)).map((n) => n.id);
  const changed: NodeChange[] = [];
  const moved: string[] = [];
  for (const node of after.nodes) {
    const previous = beforeNodes.get(node.id);
    if (!previous) continue;
    const fields = changedFields(previous, node);
    if (fields.length > 0) changed.push({ nodeId: node.id, fields });
    if (previous.position.x !== node.position.x || previous.position.y !== node.position.y)
      moved.push(node.id);
  }
  const beforeEdges = new Set(before.edges.map(edgeKey));
  const afterEdges = new Set(after.edges.map(edgeKey));
  const edgesAdded = after.edges.filter((e) => !beforeEdges.has(edgeKey(e))).map((e) => e.id);
  const edgesRemoved = before.edges.filter((e) => !afterEdges.has(edgeKey(e))).map((e) => e.id);
  return {
    nodes: { added, removed, changed, moved },
    edges: { added: edgesAdded, removed: edgesRemoved },
    unchanged: added.length + removed.length + changed.length + edgesAdded.length + edgesRemoved.length === 0,
  };
}
