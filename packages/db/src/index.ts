export { type ConnectOptions, connectDatabase, type Database } from './connection.js';
export { InvalidIdError, isDuplicateKeyError, newObjectId, toObjectId } from './ids.js';
export * from './models.js';
export * from './repositories/deliveries.js';
export * from './repositories/delivery-replies.js';
export * from './repositories/failure-handlers.js';
export * from './repositories/http-pages.js';
export * from './repositories/loop-items.js';
export * from './repositories/run-logs.js';
export { allOk, GroupCommit, type Settled } from './group-commit.js';
export * from './repositories/outbound-limits.js';
export * from './repositories/retention.js';
export * from './repositories/run-calls.js';
export * from './repositories/run-life.js';
export * from './repositories/run-reads.js';
export * from './repositories/schedules.js';
export * from './repositories/scenarios.js';
export { VersionCache } from './repositories/version-cache.js';
export * from './repositories/tokens.js';
export {
  createQueue,
  ensureQueueIndexes,
  JOBS_COLLECTION,
  type QueueOptions,
  RUN_JOB,
  type RunJobData,
  scheduleRun,
} from './queue.js';
export * from './repositories/apps.js';
export * from './repositories/bulk-jobs.js';
export * from './repositories/connections.js';
export * from './repositories/oauth2.js';
export {
  afterCursor,
  type Cursor,
  decodeCursor,
  encodeCursor,
  InvalidCursorError,
  type Page,
  toPage,
} from './pagination.js';
export { isDatabaseUnavailable } from './unavailable.js';
export * from './repositories/run-waits.js';
export * from './repositories/flow-control.js';
export * from './repositories/jobs.js';
export * from './repositories/run-health.js';
export * from './repositories/run-stream.js';
