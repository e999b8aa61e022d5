import { quote } from '../format.js';
import type { GraphProblem } from '../types.js';
import type { CheckContext } from './context.js';

/** Most nodes one loop body holds, so an item's stored record (all its body steps) stays bounded. */
export const MAX_LOOP_BODY_NODES = 100;

/** The loop whose body holds a node, or null at the top level. */
export function scopeOf(context: CheckContext, nodeId: string): string | null {
  return context.index.nodes.get(nodeId)?.parentId ?? null;
}

/**
 * `invalid_parent` for a parent that is not a for-each loop (or a loop inside a loop's body),
 * then `edge_crosses_loop_body` for an edge between scopes: edges stay inside one body (or the
 * top level), except those from a loop's `body` handle, which go to a node of that loop's body;
 * `loop_body_too_large` past MAX_LOOP_BODY_NODES.
 */
export function checkLoopBodies(context: CheckContext): GraphProblem[] {
  const problems: GraphProblem[] = [];
  for (const node of context.graph.nodes) {
    if (node.parentId === undefined) continue;
    const parent = context.index.nodes.get(node.parentId);
    if (parent === undefined) {
      problems.push({
        code: 'invalid_parent',
        nodeId: node.id,
        message: `Node ${quote(node.id)} is inside ${quote(node.parentId)}, which does not exist; move it out or into a for-each loop.`,
      });
    } else if (context.types.get(parent.id)?.isLoop !== true) {
      problems.push({
        code: 'invalid_parent',
        nodeId: node.id,
        message: `Node ${quote(node.id)} is inside ${quote(parent.id)} (${parent.type}); only a for-each loop holds other nodes.`,
      });
    } else if (parent.parentId !== undefined) {
      problems.push({
        code: 'invalid_parent',
        nodeId: parent.id,
        message: `For-each loop ${quote(parent.id)} is inside the body of ${quote(parent.parentId)}; loops cannot be nested.`,
      });
    } else if (context.types.get(node.id)?.isTrigger === true) {
      problems.push({
        code: 'invalid_parent',
        nodeId: node.id,
        message: `Trigger ${quote(node.id)} is inside for-each loop ${quote(parent.id)}; a trigger starts the scenario and stays outside loops.`,
      });
    }
  }
  const bodySizes = new Map<string, number>();
  for (const node of context.graph.nodes) {
    if (node.parentId !== undefined) bodySizes.set(node.parentId, (bodySizes.get(node.parentId) ?? 0) + 1);
  }
  for (const [loopId, size] of bodySizes) {
    if (size <= MAX_LOOP_BODY_NODES || context.types.get(loopId)?.isLoop !== true) continue;
    problems.push({
      code: 'loop_body_too_large',
      nodeId: loopId,
      message: `For-each loop ${quote(loopId)} holds ${size} nodes; a loop body holds at most ${MAX_LOOP_BODY_NODES} (move a part into its own scenario).`,
    });
  }
  for (const edge of context.graph.edges) {
    if (!context.index.nodes.has(edge.source) || !context.index.nodes.has(edge.target)) continue;
    const from = scopeOf(context, edge.source);
    const to = scopeOf(context, edge.target);
    const fromLoop = context.types.get(edge.source)?.isLoop === true;
    if (fromLoop && edge.sourceHandle === 'body') {
      if (to !== edge.source) {
        problems.push({
          code: 'edge_crosses_loop_body',
          edgeId: edge.id,
          nodeId: edge.target,
          message: `Edge ${quote(edge.id)} leaves the "body" handle of loop ${quote(edge.source)} for ${quote(edge.target)}, which is not inside that loop; move ${quote(edge.target)} into the loop or connect "done" instead.`,
        });
      }
      continue;
    }
    if (from === to) continue;
    const where = (scope: string | null) =>
      scope === null ? 'outside any loop' : `inside loop ${quote(scope)}`;
    problems.push({
      code: 'edge_crosses_loop_body',
      edgeId: edge.id,
      nodeId: edge.target,
      message: `Edge ${quote(edge.id)} goes from ${quote(edge.source)} (${where(from)}) to ${quote(edge.target)} (${where(to)}); edges stay inside a loop's body, which starts at the loop's "body" handle and hands its results on through "done".`,
    });
  }
  return problems;
}
