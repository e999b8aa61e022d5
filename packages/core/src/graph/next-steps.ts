import type { ExecutionPlan } from './execution-plan.js';
import { stateOf } from './run-states.js';
import { carriesFailure, decidePendingNode } from './step-decision.js';
import type { RunStates } from './types.js';

export interface NextSteps {
  /** Pending nodes to start now, in topological order. */
  readonly ready: string[];
  /** Pending nodes that will never run (branch not taken, failure upstream), in topological order. */
  readonly skip: string[];
}

/**
 * The pending nodes whose sources have all settled, split into those to run and those to skip
 * (see `decidePendingNode`). Reports only the nodes decidable now: after marking `skip` as
 * skipped, their targets may become decidable, which `settleSkips` does in one pass.
 * Running nodes are never reported, so a runner may call this whenever a node settles. O(V+E).
 */
export function nextSteps(plan: ExecutionPlan, states: RunStates): NextSteps {
  const ready: string[] = [];
  const skip: string[] = [];
  const failedUpstream = new Set<string>();
  for (const id of plan.order) {
    const state = stateOf(states, id);
    if (state.status === 'pending') {
      const decision = decidePendingNode(plan, id, states, failedUpstream);
      if (decision === 'ready') ready.push(id);
      else if (decision === 'skip') skip.push(id);
    } else if (carriesFailure(plan, id, state, failedUpstream)) {
      failedUpstream.add(id);
    }
  }
  return { ready, skip };
}
