import type { NodeRunState, NodeRunStatus, RunStates } from './types.js';

const PENDING: NodeRunState = { status: 'pending' };

/** A state map with an entry for every node of the plan: pending unless `known` says otherwise (a resumed run). */
export function createRunStates(
  plan: { readonly nodeIds: readonly string[] },
  known: Iterable<readonly [string, NodeRunState]> = [],
): Map<string, NodeRunState> {
  const states = new Map<string, NodeRunState>(plan.nodeIds.map((id) => [id, PENDING]));
  for (const [id, state] of known) {
    if (states.has(id)) states.set(id, state);
  }
  return states;
}

export function stateOf(states: RunStates, nodeId: string): NodeRunState {
  return states.get(nodeId) ?? PENDING;
}

/** Settled: the node will not change any more in this run. */
export function isSettled(status: NodeRunStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'skipped';
}

/** No node pending or running. Expects an entry for every node, as `createRunStates` makes. */
export function isRunComplete(states: RunStates): boolean {
  for (const state of states.values()) {
    if (!isSettled(state.status)) return false;
  }
  return true;
}
