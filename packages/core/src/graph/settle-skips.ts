import type { ExecutionPlan } from './execution-plan.js';
import { stateOf } from './run-states.js';
import { carriesFailure, decidePendingNode } from './step-decision.js';
import type { NodeRunState } from './types.js';

const SKIPPED: NodeRunState = { status: 'skipped' };

/**
 * Marks as skipped, in `states`, every pending node that `nextSteps` would report as `skip`, and
 * then those that become skippable because of it, transitively: one pass in topological order,
 * since a node is decided after all its sources. Returns the skipped ids in that order. O(V+E).
 */
export function settleSkips(plan: ExecutionPlan, states: Map<string, NodeRunState>): string[] {
  const skipped: string[] = [];
  const failedUpstream = new Set<string>();
  for (const id of plan.order) {
    let state = stateOf(states, id);
    if (state.status === 'pending' && decidePendingNode(plan, id, states, failedUpstream) === 'skip') {
      state = SKIPPED;
      states.set(id, state);
      skipped.push(id);
    }
    if (state.status !== 'pending' && carriesFailure(plan, id, state, failedUpstream)) failedUpstream.add(id);
  }
  return skipped;
}
