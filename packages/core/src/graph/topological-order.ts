import { findCycles } from './cycles.js';
import { type GraphIndex, incomingOf, indexGraph, outgoingOf } from './graph-index.js';
import type { GraphShape } from './types.js';

export type TopologicalOrder =
  | { readonly ok: true; readonly order: readonly string[] }
  | { readonly ok: false; readonly cycle: readonly string[] };

export type Layering =
  | { readonly ok: true; readonly order: readonly string[]; readonly levels: readonly (readonly string[])[] }
  | { readonly ok: false; readonly cycle: readonly string[] };

/**
 * Kahn's algorithm, stable: the order goes wave by wave (see `layerGraph`) and within a wave
 * follows the node array, so the same graph always gives the same order.
 * On a cycle, returns the first cycle `findCycles` reports.
 */
export function topologicalOrder(graph: GraphShape): TopologicalOrder {
  const layering = layerGraph(indexGraph(graph));
  return layering.ok ? { ok: true, order: layering.order } : layering;
}

/**
 * Static ready-sets: wave k holds the nodes whose predecessors are all in waves before k (the
 * longest path from a node without inputs). Each wave lists its nodes in node array order.
 * Bucketing by wave after Kahn's pass keeps ties in array order without a priority queue: O(V+E).
 */
export function layerGraph(index: GraphIndex): Layering {
  const remaining = new Map<string, number>();
  const level = new Map<string, number>();
  const queue: string[] = [];
  for (const id of index.nodeIds) {
    const inDegree = incomingOf(index, id).length;
    remaining.set(id, inDegree);
    level.set(id, 0);
    if (inDegree === 0) queue.push(id);
  }
  let depth = 0;
  for (let head = 0; head < queue.length; head++) {
    const id = queue[head]!;
    const next = level.get(id)! + 1;
    for (const edge of outgoingOf(index, id)) {
      if (next > level.get(edge.target)!) level.set(edge.target, next);
      const left = remaining.get(edge.target)! - 1;
      remaining.set(edge.target, left);
      if (left === 0) {
        queue.push(edge.target);
        depth = Math.max(depth, level.get(edge.target)!);
      }
    }
  }
  if (queue.length < index.nodeIds.length) {
    const cycle = findCycles(index)[0];
    if (cycle === undefined) throw new Error('unreachable: Kahn left nodes unordered but no cycle was found');
    return { ok: false, cycle };
  }
  const levels: string[][] = index.nodeIds.length === 0 ? [] : Array.from({ length: depth + 1 }, () => []);
  for (const id of index.nodeIds) levels[level.get(id)!]!.push(id);
  return { ok: true, order: levels.flat(), levels };
}
