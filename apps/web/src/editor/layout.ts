/**
 * Auto-layout: dagre's layered (Sugiyama) layout, left to right, the trigger first. Node sizes
 * come from React Flow's measurements when known. Returns new positions only; the caller commits
 * them as one undoable step.
 */
import { Graph, layout } from '@dagrejs/dagre';
import { DEFAULT_NODE_SIZE } from './editable-graph';

export interface LayoutNode {
  readonly id: string;
  readonly width?: number | undefined;
  readonly height?: number | undefined;
}

export interface LayoutEdge {
  readonly source: string;
  readonly target: string;
}

export function layoutPositions(
  nodes: readonly LayoutNode[],
  edges: readonly LayoutEdge[],
  options: { rankSep?: number; nodeSep?: number } = {},
): Map<string, { x: number; y: number }> {
  const graph = new Graph({ multigraph: true });
  graph.setGraph({ rankdir: 'LR', ranksep: options.rankSep ?? 80, nodesep: options.nodeSep ?? 40, marginx: 0, marginy: 0 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of nodes) {
    graph.setNode(node.id, {
      width: node.width ?? DEFAULT_NODE_SIZE.width,
      height: node.height ?? DEFAULT_NODE_SIZE.height,
    });
  }
  const ids = new Set(nodes.map((node) => node.id));
  edges.forEach((edge, index) => {
    if (ids.has(edge.source) && ids.has(edge.target) && edge.source !== edge.target) {
      graph.setEdge(edge.source, edge.target, {}, String(index));
    }
  });
  layout(graph);
  const positions = new Map<string, { x: number; y: number }>();
  for (const node of nodes) {
    const placed = graph.node(node.id) as { x: number; y: number; width: number; height: number } | undefined;
    if (!placed) continue;
    // dagre gives centres; React Flow positions are top-left corners.
    positions.set(node.id, {
      x: Math.round(placed.x - placed.width / 2),
      y: Math.round(placed.y - placed.height / 2),
    });
  }
  return positions;
}
