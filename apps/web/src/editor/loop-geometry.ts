/**
 * For-each loops on the canvas: a loop is a React Flow parent node whose body nodes carry its id
 * as `parentId` and a position relative to it. Its size follows its body (it grows to hold what
 * is inside). Dropping a node on a loop moves it into the body; dragging it out moves it out.
 */
import type { Position, ScenarioNode } from '@weft/core';
import { DEFAULT_NODE_SIZE, type EditableGraph } from './editable-graph';

export const LOOP_TYPE = 'loop.forEach';
/** The empty loop's size, and the room kept around its body. */
const MIN_LOOP_SIZE = { width: 420, height: 240 };
const PADDING = { right: 40, bottom: 40 };
/** Where a body starts inside its loop: below the loop's header. */
export const BODY_ORIGIN = { x: 40, y: 90 };

export interface Bounds {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export function isLoop(node: Pick<ScenarioNode, 'type'>): boolean {
  return node.type === LOOP_TYPE;
}

/** A loop's size from its body nodes (positions relative to it), leaving out `except`. */
export function loopSize(
  graph: EditableGraph,
  loopId: string,
  except?: string,
): { width: number; height: number } {
  let width = MIN_LOOP_SIZE.width;
  let height = MIN_LOOP_SIZE.height;
  for (const node of graph.nodes) {
    if (node.parentId !== loopId || node.id === except) continue;
    width = Math.max(width, node.position.x + DEFAULT_NODE_SIZE.width + PADDING.right);
    height = Math.max(height, node.position.y + DEFAULT_NODE_SIZE.height + PADDING.bottom);
  }
  return { width, height };
}

/** A node's position on the canvas (a body node's stored position is relative to its loop). */
export function absolutePosition(graph: EditableGraph, node: ScenarioNode): Position {
  if (node.parentId === undefined) return node.position;
  const parent = graph.nodes.find((n) => n.id === node.parentId);
  return parent
    ? { x: parent.position.x + node.position.x, y: parent.position.y + node.position.y }
    : node.position;
}

function contains(bounds: Bounds, point: Position): boolean {
  return (
    point.x >= bounds.x &&
    point.x <= bounds.x + bounds.width &&
    point.y >= bounds.y &&
    point.y <= bounds.y + bounds.height
  );
}

/**
 * After nodes moved (or one was dropped from the palette): a node whose centre lies on a loop
 * goes into its body, a body node whose centre left its loop goes out, each keeping its place on
 * the canvas. Loops and triggers stay at the top level (loops do not nest). Returns the same
 * graph when nothing changed.
 */
export function reparentMoved(graph: EditableGraph, movedIds: readonly string[]): EditableGraph {
  const moved = new Set(movedIds);
  let changed = false;
  const nodes = graph.nodes.map((node) => {
    if (!moved.has(node.id) || isLoop(node) || node.type.startsWith('trigger.')) return node;
    // Moved together with its loop: it stays in the body.
    if (node.parentId !== undefined && moved.has(node.parentId)) return node;
    const absolute = absolutePosition(graph, node);
    const centre = {
      x: absolute.x + DEFAULT_NODE_SIZE.width / 2,
      y: absolute.y + DEFAULT_NODE_SIZE.height / 2,
    };
    const target = graph.nodes.find(
      (loop) =>
        isLoop(loop) &&
        !moved.has(loop.id) &&
        contains({ ...loop.position, ...loopSize(graph, loop.id, node.id) }, centre),
    );
    if ((target?.id ?? undefined) === node.parentId) return node;
    changed = true;
    if (target === undefined) {
      const { parentId: _parentId, ...rest } = node;
      return { ...rest, position: absolute };
    }
    return {
      ...node,
      parentId: target.id,
      position: {
        x: Math.max(0, Math.round(absolute.x - target.position.x)),
        y: Math.max(BODY_ORIGIN.y - 20, Math.round(absolute.y - target.position.y)),
      },
    };
  });
  return changed ? { nodes, edges: graph.edges } : graph;
}

/** React Flow draws a parent before its children: top-level nodes first, then bodies, each in graph order. */
export function parentsFirst<T extends Pick<ScenarioNode, 'parentId'>>(nodes: readonly T[]): T[] {
  return [
    ...nodes.filter((node) => node.parentId === undefined),
    ...nodes.filter((node) => node.parentId !== undefined),
  ];
}
