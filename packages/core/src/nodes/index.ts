export { nodeCatalog, type NodeCatalogEntry } from './catalog.js';
export { type ConfigProblem, nodeConfigProblems, type ResolvedConfig, resolveNodeConfig } from './config.js';
export { cronExpressionSchema, cronProblem, isValidTimeZone, timeZoneSchema } from './cron.js';
export { registryLookup } from './lookup.js';
export { type MigrationResult, migrateNode, migrateNodes } from './migrate.js';
export { getNodeDefinition, isNodeType, isTriggerType, nodeRegistry } from './registry.js';
export {
  type ConfigOutputs,
  ERROR_HANDLE,
  hasErrorOutput,
  nodeOutputHandles,
  type OutputHandleSource,
  stepFiredHandle,
} from './output-handles.js';
export { rawExpressionPaths } from './raw-expression.js';
export { SWITCH_DEFAULT_HANDLE } from './builtin/switch.js';
export { fatal, retryable, success, waitUntil } from './results.js';
export * from './types.js';
export type { ChildRunRequest, ChildRunState, ScenarioCalls } from './calls.js';
export {
  APPROVAL_DECISIONS,
  type ApprovalDecision,
  type OpenWaitRequest,
  type RunWaits,
  type WaitCandidate,
  type WaitResolution,
  type WaitState,
} from './waits.js';
export { approvalOutput } from './builtin/wait-approval.js';
export { eventOutput } from './builtin/wait-event.js';
export { correlationText, deliveryCorrelationKey } from './event-key.js';
