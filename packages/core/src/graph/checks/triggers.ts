import { quote, quoteList } from '../format.js';
import type { GraphProblem } from '../types.js';
import type { CheckContext } from './context.js';

/** `no_trigger`, `multiple_triggers`, then `trigger_has_input` per edge into a trigger. */
export function checkTriggers(context: CheckContext): GraphProblem[] {
  const { triggerIds } = context;
  const problems: GraphProblem[] = [];
  if (triggerIds.length === 0) {
    problems.push({
      code: 'no_trigger',
      message: 'The scenario has no trigger node; add one trigger to start it.',
    });
  } else if (triggerIds.length > 1) {
    problems.push({
      code: 'multiple_triggers',
      message: `The scenario has ${triggerIds.length} trigger nodes (${quoteList(triggerIds)}); a scenario starts from exactly one.`,
    });
  }
  for (const edge of context.graph.edges) {
    if (context.types.get(edge.target)?.isTrigger !== true) continue;
    problems.push({
      code: 'trigger_has_input',
      edgeId: edge.id,
      nodeId: edge.target,
      message: `Edge ${quote(edge.id)} goes into trigger node ${quote(edge.target)}; a trigger cannot have inputs.`,
    });
  }
  return problems;
}
