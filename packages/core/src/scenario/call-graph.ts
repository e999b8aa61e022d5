import type { GraphProblem, GraphShape } from '../graph/types.js';

/** How many scenario calls deep a chain may go unless the runner is configured otherwise. */
export const DEFAULT_MAX_CALL_DEPTH = 10;

const OBJECT_ID = /^[0-9a-f]{24}$/;

export interface StaticCall {
  readonly nodeId: string;
  readonly scenarioId: string;
}

/** The scenario calls of a graph whose target is a fixed id (an expression is known only at run time). */
export function staticCalls(graph: GraphShape): StaticCall[] {
  const calls: StaticCall[] = [];
  for (const node of graph.nodes) {
    if (node.type !== 'scenario.call') continue;
    const scenarioId = node.config.scenarioId;
    if (typeof scenarioId === 'string' && OBJECT_ID.test(scenarioId))
      calls.push({ nodeId: node.id, scenarioId });
  }
  return calls;
}

/** A scenario as a call target: its name, whether it has a published version, and what that version calls. */
export interface CallTarget {
  readonly name: string;
  readonly published: boolean;
  /** Scenario ids the published version calls by a fixed id. */
  readonly calls: readonly string[];
}

function targetProblem(nodeId: string, message: string): GraphProblem {
  return {
    code: 'invalid_config',
    nodeId,
    path: ['scenarioId'],
    message: `Node "${nodeId}" (scenario.call) field "scenarioId": ${message}`,
  };
}

/**
 * What is wrong with a graph's scenario calls, given the workspace's scenarios (`targets`: live,
 * not archived; a missing id is unknown here): a target that does not exist or is not published,
 * a call back into the scenario itself, directly or through the published versions it reaches
 * (named as a chain of scenario names), and a chain of calls longer than `maxDepth`.
 */
export function callProblems(
  self: { readonly id: string; readonly name: string },
  graph: GraphShape,
  targets: ReadonlyMap<string, CallTarget>,
  maxDepth: number = DEFAULT_MAX_CALL_DEPTH,
): GraphProblem[] {
  const problems: GraphProblem[] = [];
  const nameOf = (id: string) => (id === self.id ? self.name : (targets.get(id)?.name ?? id));
  for (const call of staticCalls(graph)) {
    const target = targets.get(call.scenarioId);
    if (call.scenarioId === self.id) {
      problems.push({
        code: 'call_cycle',
        nodeId: call.nodeId,
        message: `Node "${call.nodeId}" (scenario.call) calls its own scenario "${self.name}": a scenario may not call itself`,
      });
      continue;
    }
    if (!target) {
      problems.push(
        targetProblem(call.nodeId, `no scenario with the id "${call.scenarioId}" in this workspace`),
      );
      continue;
    }
    if (!target.published) {
      problems.push(
        targetProblem(call.nodeId, `scenario "${target.name}" is not published; publish it first`),
      );
      continue;
    }
    const found = longestChain(call.scenarioId, self.id, targets);
    if (found.cycle) {
      problems.push({
        code: 'call_cycle',
        nodeId: call.nodeId,
        message: `Node "${call.nodeId}" (scenario.call) would recurse: ${[self.id, ...found.cycle].map((id) => `"${nameOf(id)}"`).join(' → ')}`,
      });
    } else if (found.path.length > maxDepth) {
      problems.push({
        code: 'call_depth',
        nodeId: call.nodeId,
        message: `Node "${call.nodeId}" (scenario.call) starts a chain of ${found.path.length} calls (${[self.id, ...found.path].map((id) => `"${nameOf(id)}"`).join(' → ')}); the limit is ${maxDepth}`,
      });
    }
  }
  return problems;
}

/**
 * The longest chain of published calls starting at `start` (the ids called, `start` first), or
 * the first chain that comes back to `self` or to a scenario already on it (a cycle).
 */
function longestChain(
  start: string,
  self: string,
  targets: ReadonlyMap<string, CallTarget>,
): { path: string[]; cycle?: string[] } {
  let longest: string[] = [];
  const onPath = new Set<string>();
  const path: string[] = [];
  // Depth-first with an explicit stack of (scenario, next call index): no recursion on long chains.
  const stack: { id: string; next: number }[] = [];
  const enter = (id: string): string[] | undefined => {
    if (id === self || onPath.has(id)) return [...path, id];
    onPath.add(id);
    path.push(id);
    stack.push({ id, next: 0 });
    if (path.length > longest.length) longest = [...path];
    return undefined;
  };
  const first = enter(start);
  if (first) return { path: first, cycle: first };
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const calls = targets.get(top.id)?.calls ?? [];
    if (top.next >= calls.length) {
      stack.pop();
      path.pop();
      onPath.delete(top.id);
      continue;
    }
    const callee = calls[top.next++]!;
    if (callee !== self && !targets.get(callee)?.published) continue;
    const cycle = enter(callee);
    if (cycle) return { path: cycle, cycle };
  }
  return { path: longest };
}
