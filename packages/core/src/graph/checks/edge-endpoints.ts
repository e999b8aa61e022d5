import { describeHandles, quote } from '../format.js';
import type { GraphProblem } from '../types.js';
import type { CheckContext } from './context.js';

/** Per edge, in edge order: `dangling_edge`, `self_loop`, `unknown_source_handle`, `unknown_target_handle`. */
export function checkEdgeEndpoints(context: CheckContext): GraphProblem[] {
  const { index, types } = context;
  const problems: GraphProblem[] = [];
  for (const edge of context.graph.edges) {
    const sourceExists = index.nodes.has(edge.source);
    const targetExists = index.nodes.has(edge.target);
    if (!sourceExists || !targetExists) {
      const what =
        !sourceExists && !targetExists
          ? `connects missing nodes ${quote(edge.source)} and ${quote(edge.target)}`
          : !sourceExists
            ? `comes from missing node ${quote(edge.source)}`
            : `goes to missing node ${quote(edge.target)}`;
      problems.push({ code: 'dangling_edge', edgeId: edge.id, message: `Edge ${quote(edge.id)} ${what}.` });
    }
    if (sourceExists && edge.source === edge.target) {
      problems.push({
        code: 'self_loop',
        edgeId: edge.id,
        nodeId: edge.source,
        message: `Edge ${quote(edge.id)} connects node ${quote(edge.source)} to itself.`,
      });
    }
    const source = types.get(edge.source);
    const outputs = source?.outputsOf(index.nodes.get(edge.source)?.config ?? {});
    if (outputs !== undefined && !outputs.some((h) => h.id === edge.sourceHandle)) {
      problems.push({
        code: 'unknown_source_handle',
        edgeId: edge.id,
        nodeId: edge.source,
        message: `Edge ${quote(edge.id)} leaves node ${quote(edge.source)} through output ${quote(edge.sourceHandle)}, which does not exist; ${describeHandles('outputs', outputs)}.`,
      });
    }
    const target = types.get(edge.target);
    // An edge into a trigger is reported once, as trigger_has_input.
    if (target !== undefined && !target.isTrigger && !target.inputs.some((h) => h.id === edge.targetHandle)) {
      problems.push({
        code: 'unknown_target_handle',
        edgeId: edge.id,
        nodeId: edge.target,
        message: `Edge ${quote(edge.id)} enters node ${quote(edge.target)} through input ${quote(edge.targetHandle)}, which does not exist; ${describeHandles('inputs', target.inputs)}.`,
      });
    }
  }
  return problems;
}
