import { buildExecutionPlan, type ExecutionPlan } from '../graph/execution-plan.js';
import type { GraphShape, NodeTypeLookup } from '../graph/types.js';
import { LOOP_BODY_HANDLE } from '../nodes/builtin/for-each.js';

/** What one item's record may hold in body step outputs and its own output together. */
const ITEM_RECORD_BUDGET_BYTES = 12 * 1024 * 1024;

/** A for-each body, planned once per run: the loop node stands in as the body's trigger. */
export interface BodyPlan {
  readonly loopId: string;
  readonly graph: GraphShape;
  readonly plan: ExecutionPlan;
  /** Body nodes without outgoing edges, in node order: an item's output comes from them. */
  readonly sinks: readonly string[];
  /** Output cap of a body step (and of the item's output), so an item record stays bounded. */
  readonly outputCapBytes: number;
}

export interface RunPlans {
  /** The top level: every node outside loop bodies. */
  readonly plan: ExecutionPlan;
  readonly bodies: ReadonlyMap<string, BodyPlan>;
}

/**
 * The plans of a run: the whole graph is validated (loop scopes included), then the top level is
 * planned without body nodes, and each loop's body on its own, with the loop as its start. Throws
 * `InvalidGraphError` like `buildExecutionPlan`.
 */
export function planRun(graph: GraphShape, lookup: NodeTypeLookup, outputCapBytes: number): RunPlans {
  const known = planned.get(graph.nodes);
  if (
    known &&
    known.edges === graph.edges &&
    known.lookup === lookup &&
    known.outputCapBytes === outputCapBytes
  )
    return known.plans;
  const plans = planGraph(graph, lookup, outputCapBytes);
  planned.set(graph.nodes, { edges: graph.edges, lookup, outputCapBytes, plans });
  return plans;
}

/**
 * Plans already made, by the graph's node list: a published version's graph is one object for
 * all of its runs (the runner caches versions), so its thousands of runs are validated and planned
 * once, not each (4 % of a runner's CPU on 4-node runs). Graphs are read-only (`GraphShape`);
 * a graph that is not kept anywhere is collected with its entry.
 */
const planned = new WeakMap<
  GraphShape['nodes'],
  { edges: GraphShape['edges']; lookup: NodeTypeLookup; outputCapBytes: number; plans: RunPlans }
>();

function planGraph(graph: GraphShape, lookup: NodeTypeLookup, outputCapBytes: number): RunPlans {
  const full = buildExecutionPlan(graph, lookup);
  if (!graph.nodes.some((node) => node.parentId !== undefined)) return { plan: full, bodies: new Map() };

  const topIds = new Set(graph.nodes.filter((node) => node.parentId === undefined).map((node) => node.id));
  const top: GraphShape = {
    nodes: graph.nodes.filter((node) => topIds.has(node.id)),
    edges: graph.edges.filter((edge) => topIds.has(edge.source) && topIds.has(edge.target)),
  };
  // In its body, the loop is the start: a trigger without inputs whose "body" edges fire per item.
  const bodyLookup: NodeTypeLookup = (type) => {
    const info = lookup(type);
    return info?.isLoop ? { ...info, isTrigger: true, inputs: [] } : info;
  };
  const bodies = new Map<string, BodyPlan>();
  for (const loop of top.nodes) {
    if (lookup(loop.type)?.isLoop !== true) continue;
    const children = graph.nodes.filter((node) => node.parentId === loop.id);
    const ids = new Set([loop.id, ...children.map((node) => node.id)]);
    const bodyGraph: GraphShape = {
      nodes: [loop, ...children],
      edges: graph.edges.filter(
        (edge) =>
          ids.has(edge.source) &&
          ids.has(edge.target) &&
          (edge.source !== loop.id || edge.sourceHandle === LOOP_BODY_HANDLE),
      ),
    };
    const withOutgoing = new Set(bodyGraph.edges.map((edge) => edge.source));
    bodies.set(loop.id, {
      loopId: loop.id,
      graph: bodyGraph,
      plan: buildExecutionPlan(bodyGraph, bodyLookup),
      sinks: children.filter((node) => !withOutgoing.has(node.id)).map((node) => node.id),
      outputCapBytes: Math.min(
        outputCapBytes,
        Math.floor(ITEM_RECORD_BUDGET_BYTES / (2 * Math.max(1, children.length))),
      ),
    });
  }
  return { plan: buildExecutionPlan(top, lookup), bodies };
}
