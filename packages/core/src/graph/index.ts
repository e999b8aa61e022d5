export type {
  ConfigIssue,
  GraphNodeTypeInfo,
  GraphProblem,
  GraphProblemCode,
  GraphShape,
  NodeRunState,
  NodeRunStatus,
  NodeTypeLookup,
  RunStates,
} from './types.js';
export { GRAPH_PROBLEM_CODES } from './types.js';
export { type GraphIndex, indexGraph } from './graph-index.js';
export { findCycles, formatCycle } from './cycles.js';
export { type TopologicalOrder, topologicalOrder } from './topological-order.js';
export { validateGraph } from './validate-graph.js';
export {
  buildExecutionPlan,
  type EdgesByHandle,
  type ExecutionPlan,
  InvalidGraphError,
} from './execution-plan.js';
export { createRunStates, isRunComplete, isSettled } from './run-states.js';
export { isEdgeActive } from './step-decision.js';
export { type NextSteps, nextSteps } from './next-steps.js';
export { settleSkips } from './settle-skips.js';
export { StepTracker, type TrackedSteps } from './step-tracker.js';
export { collectInputs } from './collect-inputs.js';
export { type Adjacency, downstreamNodeIds, upstreamNodeIds } from './lineage.js';
