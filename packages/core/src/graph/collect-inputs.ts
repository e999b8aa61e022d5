import type { ExecutionPlan } from './execution-plan.js';
import { incomingOf } from './graph-index.js';
import { isEdgeActive } from './step-decision.js';
import type { RunStates } from './types.js';

/**
 * A node's input, keyed by target handle, from the outputs (per node id) of the sources of its
 * active edges. A `multiple` input gets an array of values in edge order (empty if no edge is
 * active); a single input gets its edge's value, or is absent when that edge is not active.
 */
export function collectInputs(
  plan: ExecutionPlan,
  nodeId: string,
  outputs: Readonly<Record<string, unknown>>,
  states: RunStates,
): Record<string, unknown> {
  const values = new Map<string, unknown[]>();
  for (const edge of incomingOf(plan, nodeId)) {
    if (!isEdgeActive(edge, states)) continue;
    // hasOwn: a node id such as `toString` or `__proto__` must not read the prototype.
    const value = Object.hasOwn(outputs, edge.source) ? outputs[edge.source] : undefined;
    const list = values.get(edge.targetHandle);
    if (list === undefined) values.set(edge.targetHandle, [value]);
    else list.push(value);
  }
  const entries: [string, unknown][] = [];
  for (const handle of plan.inputHandles.get(nodeId) ?? []) {
    const list = values.get(handle.id);
    if (handle.multiple === true) entries.push([handle.id, list ?? []]);
    else if (list !== undefined) entries.push([handle.id, list[0]]);
  }
  // fromEntries defines properties, so a handle named `__proto__` stays an ordinary key.
  return Object.fromEntries(entries);
}
