import { upstreamNodeIds } from '../lineage.js';
import { quote } from '../format.js';
import type { GraphProblem } from '../types.js';
import type { CheckContext } from './context.js';
import { scopeOf } from './loop-bodies.js';

/**
 * `reference_out_of_scope`: an expression reads `nodes.<id>` of a node it cannot see when it
 * runs. Outside a loop, a body node's output is not visible (read the loop's output). Inside a
 * body, a node sees its loop (the current item), the body nodes upstream of it (same item), and
 * the nodes upstream of the loop; not other bodies, not nodes downstream of or beside the loop.
 * Ids that name no node are left alone (the editor reports those as it types).
 */
export function checkLoopReferences(context: CheckContext): GraphProblem[] {
  const problems: GraphProblem[] = [];
  const hasBodies = context.graph.nodes.some((node) => node.parentId !== undefined);
  if (!hasBodies) return problems;
  const upstreamCache = new Map<string, ReadonlySet<string>>();
  const upstreamOf = (id: string) => {
    let found = upstreamCache.get(id);
    if (found === undefined) {
      found = new Set(upstreamNodeIds(context.index, id));
      upstreamCache.set(id, found);
    }
    return found;
  };
  for (const node of context.graph.nodes) {
    const info = context.types.get(node.id);
    if (info?.references === undefined) continue;
    const scope = scopeOf(context, node.id);
    for (const reference of info.references(node.config)) {
      const target = reference.nodeId;
      if (!context.index.nodes.has(target) || target === node.id) continue;
      const targetScope = scopeOf(context, target);
      let reason: string | undefined;
      if (targetScope !== null && targetScope !== scope) {
        reason = `${quote(target)} is inside loop ${quote(targetScope)}, whose body steps are not visible here; read the loop's output (its items) instead`;
      } else if (scope !== null && target !== scope && !upstreamOf(node.id).has(target)) {
        if (targetScope === scope) {
          reason = `${quote(target)} is in the same loop body but not upstream of ${quote(node.id)}`;
        } else if (!upstreamOf(scope).has(target)) {
          reason = `${quote(target)} is not upstream of loop ${quote(scope)}`;
        }
      }
      if (reason === undefined) continue;
      problems.push({
        code: 'reference_out_of_scope',
        nodeId: node.id,
        path: [reference.field],
        message: `Node ${quote(node.id)} field ${quote(reference.field)} reads nodes.${target}, which it cannot see when it runs: ${reason}.`,
      });
    }
  }
  return problems;
}
