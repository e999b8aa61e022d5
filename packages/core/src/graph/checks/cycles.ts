import { findCycles, formatCycle } from '../cycles.js';
import { quoteList } from '../format.js';
import type { GraphProblem } from '../types.js';
import type { CheckContext } from './context.js';

/** `cycle`, one per strongly connected component; an edge to itself is reported as `self_loop` instead. */
export function checkCycles(context: CheckContext): GraphProblem[] {
  return findCycles(context.index)
    .filter((cycle) => cycle.length > 1)
    .map((cycle) => ({
      code: 'cycle',
      nodeId: cycle[0]!,
      cycle,
      message: `Nodes ${quoteList(cycle)} form a cycle: ${formatCycle(cycle)}.`,
    }));
}
