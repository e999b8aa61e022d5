import { type CheckContext, createCheckContext, type GraphCheck } from './checks/context.js';
import { checkCycles } from './checks/cycles.js';
import { checkEdgeEndpoints } from './checks/edge-endpoints.js';
import { checkEdgeMultiplicity } from './checks/edge-multiplicity.js';
import { checkIdentity } from './checks/identity.js';
import { checkLoopBodies } from './checks/loop-bodies.js';
import { checkLoopReferences } from './checks/loop-references.js';
import { checkNodeConfig } from './checks/node-config.js';
import { checkReachability } from './checks/reachability.js';
import { checkTriggers } from './checks/triggers.js';
import { checkWebhookReply } from './checks/webhook-reply.js';
import type { GraphProblem, GraphShape, NodeTypeLookup } from './types.js';

/** Checks about the shape of the graph, in the order their problems are listed. */
const STRUCTURAL_CHECKS: readonly GraphCheck[] = [
  checkIdentity,
  checkEdgeEndpoints,
  checkEdgeMultiplicity,
  checkTriggers,
  checkLoopBodies,
  checkCycles,
  checkReachability,
  checkLoopReferences,
];

/**
 * Every problem of a graph, not just the first: identity, edges, multiplicity, triggers, cycles,
 * reachability, webhook replies, then node config. Within a group, problems follow node or edge array order.
 * O(V+E) plus the node types' config validation.
 */
export function validateGraph(graph: GraphShape, lookup: NodeTypeLookup): GraphProblem[] {
  const context = createCheckContext(graph, lookup);
  // Reply problems do not stop a run (its caller just gets 202), so they are not structural.
  return [...structuralProblems(context), ...checkWebhookReply(context), ...checkNodeConfig(context)];
}

/** The problems of `validateGraph` without config validation: what decides whether a graph can run. */
export function structuralProblems(context: CheckContext): GraphProblem[] {
  return STRUCTURAL_CHECKS.flatMap((check) => check(context));
}
