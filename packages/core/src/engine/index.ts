export { executeRun, pendingStepOf } from './execute-run.js';
export { capOutput } from './output-cap.js';
export type { EngineHost, EngineOptions, EngineRun, RunOutcome } from './types.js';
