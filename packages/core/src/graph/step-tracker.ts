import type { ExecutionPlan } from './execution-plan.js';
import { incomingOf, outgoingOf } from './graph-index.js';
import { isSettled, stateOf } from './run-states.js';
import { carriesFailure, decidePendingNode } from './step-decision.js';
import type { NodeRunState, RunStates } from './types.js';

const SKIPPED: NodeRunState = { status: 'skipped' };

export interface TrackedSteps {
  /** Nodes to start now, each handed out once, in the order they became ready. */
  readonly ready: string[];
  /** Nodes this call marked skipped, transitively, in the order it did. */
  readonly skipped: string[];
}

/**
 * `settleSkips` + `nextSteps` for a whole run in O(V+E) in total, where calling them after every
 * step costs O(V+E) each time (quadratic on a long chain). It counts, per node, the incoming
 * edges whose source has not settled, and decides a node (with the same rules, see
 * `decidePendingNode`) once, when that count reaches zero.
 */
export class StepTracker {
  readonly #plan: ExecutionPlan;
  readonly #states: Map<string, NodeRunState>;
  readonly #unsettledSources = new Map<string, number>();
  readonly #failedUpstream = new Set<string>();
  /** Pending nodes whose sources have all settled, not yet decided. */
  readonly #decidable: string[] = [];
  #decidableHead = 0;
  #unsettledNodes = 0;

  /** `initial` holds the states of a resumed run; other nodes start pending. */
  constructor(plan: ExecutionPlan, initial: Iterable<readonly [string, NodeRunState]> = []) {
    this.#plan = plan;
    this.#states = new Map(plan.nodeIds.map((id) => [id, { status: 'pending' }]));
    for (const [id, state] of initial) {
      if (this.#states.has(id)) this.#states.set(id, state);
    }
    for (const id of plan.order) {
      const state = stateOf(this.#states, id);
      if (isSettled(state.status)) {
        if (carriesFailure(plan, id, state, this.#failedUpstream)) this.#failedUpstream.add(id);
      } else {
        this.#unsettledNodes++;
      }
      let unsettled = 0;
      for (const edge of incomingOf(plan, id)) {
        if (!isSettled(stateOf(this.#states, edge.source).status)) unsettled++;
      }
      this.#unsettledSources.set(id, unsettled);
      if (unsettled === 0 && state.status === 'pending') this.#decidable.push(id);
    }
  }

  get states(): RunStates {
    return this.#states;
  }

  /** Records a node's new state: `running` when started, then `succeeded` (with its fired handles) or `failed`. */
  set(nodeId: string, state: NodeRunState): void {
    const previous = this.#states.get(nodeId);
    if (previous === undefined) throw new Error(`unknown node "${nodeId}"`);
    if (isSettled(previous.status)) {
      throw new Error(`node "${nodeId}" already ${previous.status}; a settled step does not change in a run`);
    }
    this.#states.set(nodeId, state);
    // Back to pending (a step put back to be run again): decide it anew.
    if (
      state.status === 'pending' &&
      previous.status !== 'pending' &&
      this.#unsettledSources.get(nodeId) === 0
    ) {
      this.#decidable.push(nodeId);
    }
    if (!isSettled(state.status)) return;

    this.#unsettledNodes--;
    if (carriesFailure(this.#plan, nodeId, state, this.#failedUpstream)) this.#failedUpstream.add(nodeId);
    for (const edge of outgoingOf(this.#plan, nodeId)) {
      const left = this.#unsettledSources.get(edge.target)! - 1;
      this.#unsettledSources.set(edge.target, left);
      if (left === 0 && stateOf(this.#states, edge.target).status === 'pending')
        this.#decidable.push(edge.target);
    }
  }

  /** Skips what can never run, transitively, and hands out the nodes to start. */
  next(): TrackedSteps {
    const ready: string[] = [];
    const skipped: string[] = [];
    while (this.#decidableHead < this.#decidable.length) {
      const id = this.#decidable[this.#decidableHead++]!;
      if (stateOf(this.#states, id).status !== 'pending') continue;
      const decision = decidePendingNode(this.#plan, id, this.#states, this.#failedUpstream);
      if (decision === 'ready') {
        ready.push(id);
      } else if (decision === 'skip') {
        this.set(id, SKIPPED);
        skipped.push(id);
      }
    }
    // The queue only grows; dropping what was consumed keeps memory at O(V) per run.
    if (this.#decidableHead === this.#decidable.length) {
      this.#decidable.length = 0;
      this.#decidableHead = 0;
    }
    return { ready, skipped };
  }

  /** No node pending or running. */
  isComplete(): boolean {
    return this.#unsettledNodes === 0;
  }
}
