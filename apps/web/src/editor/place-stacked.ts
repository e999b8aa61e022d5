/**
 * Lays out the stacked nodes of a graph (see `stacked.ts`) as the editor opens it: per level,
 * dagre places them among themselves, below the nodes of that level that have a place (or where
 * a level starts when none has). Placed nodes keep their positions; loop bodies are laid out
 * first, so a loop is laid out with the size its body gives it.
 */
import type { ScenarioNode } from '@weft/core';
import { DEFAULT_NODE_SIZE, type EditableGraph } from './editable-graph';
import { layoutPositions } from './layout';
import { BODY_ORIGIN, isLoop, loopSize } from './loop-geometry';
import { stackedNodeIds } from './stacked';

/** Room between the placed nodes of a level and the nodes laid out below them. */
const GAP_BELOW = 80;

export function placeStackedNodes(graph: EditableGraph): EditableGraph {
  const stacked = stackedNodeIds(graph);
  if (stacked.size === 0) return graph;
  const levels = new Set(graph.nodes.filter((n) => stacked.has(n.id)).map((n) => n.parentId));
  // Bodies before the top level: a loop's size follows its body.
  const ordered = [...levels].sort((a, b) => (a === undefined ? 1 : b === undefined ? -1 : 0));
  let next = graph;
  for (const level of ordered) next = placeLevel(next, level, stacked);
  return next;
}

function placeLevel(graph: EditableGraph, level: string | undefined, stacked: ReadonlySet<string>): EditableGraph {
  const members = graph.nodes.filter((n) => n.parentId === level);
  const toPlace = members.filter((n) => stacked.has(n.id));
  const placed = members.filter((n) => !stacked.has(n.id));
  const origin = level === undefined ? { x: 0, y: 0 } : BODY_ORIGIN;
  const start =
    placed.length === 0
      ? origin
      : {
          x: Math.min(...placed.map((n) => n.position.x)),
          y: Math.max(...placed.map((n) => n.position.y + sizeOf(graph, n).height)) + GAP_BELOW,
        };
  const positions = layoutPositions(
    toPlace.map((n) => ({ id: n.id, ...sizeOf(graph, n) })),
    graph.edges,
  );
  return {
    nodes: graph.nodes.map((n) => {
      const at = positions.get(n.id);
      return at && n.parentId === level ? { ...n, position: { x: start.x + at.x, y: start.y + at.y } } : n;
    }),
    edges: graph.edges,
  };
}

function sizeOf(graph: EditableGraph, node: ScenarioNode): { width: number; height: number } {
  return isLoop(node) ? loopSize(graph, node.id) : DEFAULT_NODE_SIZE;
}
