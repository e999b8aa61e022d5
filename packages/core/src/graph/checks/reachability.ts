import { outgoingOf } from '../graph-index.js';
import { quote, quoteList } from '../format.js';
import type { GraphProblem } from '../types.js';
import type { CheckContext } from './context.js';

/**
 * `unreachable_node` for every non-trigger node no path leads to from a trigger. Without a trigger
 * every node would be reported, which says nothing `no_trigger` does not, so nothing is.
 */
export function checkReachability(context: CheckContext): GraphProblem[] {
  const { index, triggerIds } = context;
  if (triggerIds.length === 0) return [];
  const reached = new Set<string>(triggerIds);
  const queue = [...triggerIds];
  for (let head = 0; head < queue.length; head++) {
    for (const edge of outgoingOf(index, queue[head]!)) {
      if (reached.has(edge.target)) continue;
      reached.add(edge.target);
      queue.push(edge.target);
    }
  }
  const from =
    triggerIds.length === 1 ? `trigger ${quote(triggerIds[0]!)}` : `any trigger (${quoteList(triggerIds)})`;
  return index.nodeIds
    .filter((id) => !reached.has(id))
    .map((id) => ({
      code: 'unreachable_node',
      nodeId: id,
      message: `Node ${quote(id)} is not reachable from ${from}; connect it or remove it.`,
    }));
}
