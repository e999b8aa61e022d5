export { executeRun } from './execute-run.js';
export { pendingStepOf } from './pending-step.js';
export { type ErrorOutput, hasErrorPath, resumedState, settleFailedStep } from './error-path.js';
export { capOutput } from './output-cap.js';
export { MAX_RUN_OUTPUT_BYTES, RunOutputBudget } from './run-output-budget.js';
export type { EngineHost, EngineOptions, EngineRun, RunOutcome, StepEnd, TracedStep } from './types.js';
