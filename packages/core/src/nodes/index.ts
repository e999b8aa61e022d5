export { nodeCatalog, type NodeCatalogEntry } from './catalog.js';
export { type ConfigProblem, nodeConfigProblems, type ResolvedConfig, resolveNodeConfig } from './config.js';
export { cronExpressionSchema, cronProblem, isValidTimeZone, timeZoneSchema } from './cron.js';
export { registryLookup } from './lookup.js';
export { type MigrationResult, migrateNode, migrateNodes } from './migrate.js';
export { getNodeDefinition, isNodeType, isTriggerType, nodeRegistry } from './registry.js';
export { fatal, retryable, success, waitUntil } from './results.js';
export * from './types.js';
export type { ChildRunRequest, ChildRunState, ScenarioCalls } from './calls.js';
