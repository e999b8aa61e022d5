import type { ScenarioEdge } from '../schemas/graph.js';
import type { HandleSpec } from '../nodes/types.js';
import { createCheckContext } from './checks/context.js';
import type { GraphIndex } from './graph-index.js';
import { layerGraph } from './topological-order.js';
import type { GraphProblem, GraphShape, NodeTypeLookup } from './types.js';
import { structuralProblems } from './validate-graph.js';

/** Edges of one node grouped by handle id, in edge order. */
export type EdgesByHandle = ReadonlyMap<string, readonly ScenarioEdge[]>;

/**
 * Everything a runner needs to step through a graph, computed once per run in O(V+E).
 * Every node id has an entry in every per-node map.
 */
export interface ExecutionPlan extends GraphIndex {
  readonly triggerId: string;
  /** Topological order, stable: wave by wave, each wave in node array order. */
  readonly order: readonly string[];
  /** Static ready-sets for display and parallelism: wave k's predecessors are all in earlier waves. */
  readonly levels: readonly (readonly string[])[];
  readonly incomingByHandle: ReadonlyMap<string, EdgesByHandle>;
  readonly outgoingByHandle: ReadonlyMap<string, EdgesByHandle>;
  /** Declared input handles per node, to tell `multiple` inputs (an array of values) from single ones. */
  readonly inputHandles: ReadonlyMap<string, readonly HandleSpec[]>;
}

/** Problems a plan tolerates: unreachable nodes are simply skipped when a run gets there. */
const TOLERATED: ReadonlySet<GraphProblem['code']> = new Set(['unreachable_node']);

export class InvalidGraphError extends Error {
  override readonly name = 'InvalidGraphError';
  constructor(readonly problems: readonly GraphProblem[]) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : '';
    super(`The scenario graph cannot run: ${problems[0]?.message ?? 'it is invalid'}${more}`);
  }
}

/**
 * Builds the plan of a graph, or throws `InvalidGraphError` listing the structural problems that
 * make it impossible to run (everything `validateGraph` reports except unreachable nodes and node
 * config, which is checked per node when its expressions are resolved).
 */
export function buildExecutionPlan(graph: GraphShape, lookup: NodeTypeLookup): ExecutionPlan {
  const context = createCheckContext(graph, lookup);
  const blocking = structuralProblems(context).filter((p) => !TOLERATED.has(p.code));
  if (blocking.length > 0) throw new InvalidGraphError(blocking);
  const { index } = context;
  const triggerId = context.triggerIds[0];
  const layering = layerGraph(index);
  if (triggerId === undefined || !layering.ok) {
    throw new Error('unreachable: a graph without structural problems has one trigger and no cycle');
  }

  const incomingByHandle = new Map<string, EdgesByHandle>();
  const outgoingByHandle = new Map<string, EdgesByHandle>();
  const inputHandles = new Map<string, readonly HandleSpec[]>();
  for (const id of index.nodeIds) {
    incomingByHandle.set(
      id,
      groupByHandle(index.incoming.get(id), (e) => e.targetHandle),
    );
    outgoingByHandle.set(
      id,
      groupByHandle(index.outgoing.get(id), (e) => e.sourceHandle),
    );
    inputHandles.set(id, context.types.get(id)?.inputs ?? []);
  }
  return {
    ...index,
    triggerId,
    order: layering.order,
    levels: layering.levels,
    incomingByHandle,
    outgoingByHandle,
    inputHandles,
  };
}

function groupByHandle(
  edges: readonly ScenarioEdge[] | undefined,
  handleOf: (edge: ScenarioEdge) => string,
): EdgesByHandle {
  const groups = new Map<string, ScenarioEdge[]>();
  for (const edge of edges ?? []) {
    const handle = handleOf(edge);
    const group = groups.get(handle);
    if (group === undefined) groups.set(handle, [edge]);
    else group.push(edge);
  }
  return groups;
}
