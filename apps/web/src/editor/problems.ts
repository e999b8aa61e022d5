/**
 * Graph problems (core's `validateGraph`, or the server's `validate`/`publish`) indexed by what
 * they concern, so the canvas can mark nodes and edges and the panel can list the rest.
 */
import type { GraphProblem } from '@weft/core';

export interface ProblemIndex {
  readonly all: readonly GraphProblem[];
  readonly byNode: ReadonlyMap<string, readonly GraphProblem[]>;
  readonly byEdge: ReadonlyMap<string, readonly GraphProblem[]>;
  /** Problems about the whole graph (no trigger, several triggers). */
  readonly general: readonly GraphProblem[];
}

const EMPTY: readonly GraphProblem[] = [];

export function indexProblems(problems: readonly GraphProblem[]): ProblemIndex {
  const byNode = new Map<string, GraphProblem[]>();
  const byEdge = new Map<string, GraphProblem[]>();
  const general: GraphProblem[] = [];
  const add = (map: Map<string, GraphProblem[]>, key: string, problem: GraphProblem) => {
    const list = map.get(key);
    if (list) list.push(problem);
    else map.set(key, [problem]);
  };
  for (const problem of problems) {
    let placed = false;
    if (problem.edgeId !== undefined) {
      add(byEdge, problem.edgeId, problem);
      placed = true;
    }
    if (problem.nodeId !== undefined) {
      add(byNode, problem.nodeId, problem);
      placed = true;
    }
    if (problem.cycle) {
      for (const nodeId of problem.cycle) if (nodeId !== problem.nodeId) add(byNode, nodeId, problem);
      placed = true;
    }
    if (!placed) general.push(problem);
  }
  return { all: problems, byNode, byEdge, general };
}

export function problemsOfNode(index: ProblemIndex, nodeId: string): readonly GraphProblem[] {
  return index.byNode.get(nodeId) ?? EMPTY;
}

/** A short label for a node's badge: "2 problems" or the one problem's message. */
export function problemSummary(problems: readonly GraphProblem[]): string | null {
  if (problems.length === 0) return null;
  if (problems.length === 1) return shortMessage(problems[0]!);
  return `${problems.length} problems`;
}

/** A problem's message without the node's name, which the node already shows. */
export function shortMessage(problem: GraphProblem): string {
  return problem.message
    .replace(/^Node "[^"]*" \([^)]*\) field "([^"]*)": /, '$1: ')
    .replace(/: Invalid input: expected [a-z]+, received undefined$/i, ' is required');
}

/** Whether two problem lists say the same (so a recomputation that changed nothing re-renders nothing). */
export function sameProblems(a: readonly GraphProblem[], b: readonly GraphProblem[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  return a.every((problem, i) => problem.message === b[i]?.message && problem.code === b[i]?.code);
}

/**
 * Outputs of a node that edges still leave from but that no longer exist (a switch case was
 * removed): the canvas keeps a marked handle for each, so the edge stays drawn with its problem
 * instead of vanishing (React Flow draws no edge without its handle).
 */
export function missingOutputs(
  nodeProblems: readonly GraphProblem[],
  edges: readonly { readonly id: string; readonly sourceHandle: string }[],
): string[] {
  const ids = new Set(nodeProblems.filter((p) => p.code === 'unknown_source_handle').map((p) => p.edgeId));
  return [...new Set(edges.filter((edge) => ids.has(edge.id)).map((edge) => edge.sourceHandle))];
}
