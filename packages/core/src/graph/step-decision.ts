import { ERROR_HANDLE } from '../nodes/output-handles.js';
import type { ScenarioEdge } from '../schemas/graph.js';
import type { ExecutionPlan } from './execution-plan.js';
import { incomingOf } from './graph-index.js';
import { isSettled, stateOf } from './run-states.js';
import type { NodeRunState, RunStates } from './types.js';

export type StepDecision = 'wait' | 'ready' | 'skip';

/**
 * Active: the source succeeded and fired the edge's handle. No `firedHandles` means every handle
 * fired except `error`, which fires only when named (a failure taken by the error path).
 */
export function isEdgeActive(edge: ScenarioEdge, states: RunStates): boolean {
  const source = stateOf(states, edge.source);
  if (source.status !== 'succeeded') return false;
  return source.firedHandles === undefined
    ? edge.sourceHandle !== ERROR_HANDLE
    : source.firedHandles.includes(edge.sourceHandle);
}

/**
 * The decision for a pending node. It waits until every source has settled; then it is ready
 * when at least one incoming edge is active, unless a source failed or was skipped because of a
 * failure upstream (`failedUpstream`): everything downstream of a failure is skipped, even a
 * merge that has another active input. A node without inputs is ready only if it is the trigger.
 */
export function decidePendingNode(
  plan: ExecutionPlan,
  nodeId: string,
  states: RunStates,
  failedUpstream: ReadonlySet<string>,
): StepDecision {
  const incoming = incomingOf(plan, nodeId);
  if (incoming.length === 0) return nodeId === plan.triggerId ? 'ready' : 'skip';
  let active = false;
  let poisoned = false;
  for (const edge of incoming) {
    if (!isSettled(stateOf(states, edge.source).status)) return 'wait';
    if (failedUpstream.has(edge.source)) poisoned = true;
    else if (isEdgeActive(edge, states)) active = true;
  }
  return active && !poisoned ? 'ready' : 'skip';
}

/**
 * Whether a settled node carries a failure downstream: it failed, or it was skipped and one of its
 * sources carries one. Callers visit nodes in topological order and record the answer in
 * `failedUpstream`, so sources are decided before their targets.
 */
export function carriesFailure(
  plan: ExecutionPlan,
  nodeId: string,
  state: NodeRunState,
  failedUpstream: ReadonlySet<string>,
): boolean {
  if (state.status === 'failed') return true;
  if (state.status !== 'skipped') return false;
  return incomingOf(plan, nodeId).some((edge) => failedUpstream.has(edge.source));
}
