/** Weft's pure, browser-safe domain logic. Node-only parts: `@weft/core/hmac`, `@weft/core/secrets`, `@weft/core/net`, `@weft/core/sandbox`. */
export * from './code/index.js';
export * from './dry-run/index.js';
export * from './engine/index.js';
export * from './errors/index.js';
export * from './expressions/index.js';
export * from './flow/index.js';
export * from './graph/index.js';
export * from './limits/index.js';
export * from './nodes/index.js';
export * from './oauth2/index.js';
export * from './retry/index.js';
export * from './schedule/index.js';
export * from './search/index.js';
export { diffGraphs, type GraphDiff, type NodeChange } from './scenario/diff.js';
export {
  type CallTarget,
  callProblems,
  DEFAULT_MAX_CALL_DEPTH,
  type StaticCall,
  staticCalls,
} from './scenario/call-graph.js';
export { childRunOutput } from './scenario/call-output.js';
export { type FailureHandlerInput, failureHandlerInput } from './scenario/failure-input.js';
export * from './scenario/files/index.js';
export { scenarioTriggerOf } from './scenario/trigger.js';
export * from './schemas/index.js';
export * from './signature-schemes.js';
export * from './tokens/index.js';
export { formatTraceparent, parseTraceparent, type TraceParent } from './trace/traceparent.js';
export { parseStoredBody, type StoredBody, type WebhookTriggerInput, webhookTriggerInput } from './webhook/trigger-input.js';
export * from './webhook/reply.js';
export { MAX_BODY_DEPTH, nestsDeeperThan } from './webhook/body-depth.js';
export { queryChallenge, slackUrlVerificationChallenge } from './webhook/handshake.js';
