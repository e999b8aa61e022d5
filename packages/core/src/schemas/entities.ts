import { z } from 'zod';
import { oauth2ViewSchema } from '../oauth2/config.js';
import { signatureConfigSchema } from '../signature-schemes.js';
import { scenarioEdgeSchema, scenarioNodeSchema, viewportSchema } from './graph.js';
import { appKeySchema, nodeIdSchema, objectIdSchema } from './ids.js';

const timestamps = { createdAt: z.date(), updatedAt: z.date() };

export const workspaceSchema = z.object({
  id: objectIdSchema,
  name: z.string().min(1).max(120),
  ...timestamps,
});

export const apiTokenSchema = z.object({
  id: objectIdSchema,
  workspaceId: objectIdSchema,
  name: z.string().min(1).max(120),
  /** The first characters of the token, shown so a person can tell tokens apart. */
  prefix: z.string(),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
});

export const appSchema = z.object({
  id: objectIdSchema,
  workspaceId: objectIdSchema,
  key: appKeySchema,
  name: z.string().min(1).max(120),
  signature: signatureConfigSchema,
  defaultConnectionId: objectIdSchema.nullable(),
  ...timestamps,
});

export const CONNECTION_STATUSES = ['active', 'disabled'] as const;
export const CONNECTION_HEALTH = ['unknown', 'ok', 'failing'] as const;

/** A connection as the API shows it: secrets are write-only, only their presence and a hint are visible. */
export const connectionSchema = z.object({
  id: objectIdSchema,
  workspaceId: objectIdSchema,
  appId: objectIdSchema,
  name: z.string().min(1).max(120),
  metadata: z.record(z.string(), z.string()),
  status: z.enum(CONNECTION_STATUSES),
  health: z.object({
    status: z.enum(CONNECTION_HEALTH),
    checkedAt: z.date().nullable(),
    lastError: z.string().nullable(),
  }),
  hasSecret: z.boolean(),
  secretHint: z.string().nullable(),
  rotatedAt: z.date().nullable(),
  /** Outbound requests per second shared by every runner; null means unlimited. */
  rateLimitPerSec: z.number().positive().nullable(),
  /** OAuth2: the configuration and the token's state, never a token. */
  oauth2: oauth2ViewSchema.nullable(),
  ...timestamps,
});

/** What a scenario is started by, derived from its trigger node on every save and publish. */
export const scenarioTriggerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('webhook'), appId: objectIdSchema.nullable(), filter: z.string().nullable() }),
  z.object({ kind: z.literal('manual') }),
  z.object({ kind: z.literal('schedule'), cron: z.string(), timezone: z.string() }),
  z.object({ kind: z.literal('none') }),
]);

export const scenarioDraftSchema = z.object({
  nodes: z.array(scenarioNodeSchema),
  edges: z.array(scenarioEdgeSchema),
  viewport: viewportSchema.nullable(),
});

export const scenarioSchema = z.object({
  id: objectIdSchema,
  workspaceId: objectIdSchema,
  name: z.string().min(1).max(120),
  description: z.string().max(2_000),
  enabled: z.boolean(),
  draft: scenarioDraftSchema,
  trigger: scenarioTriggerSchema,
  /** Bumped on every draft save; a save naming an older revision is a conflict. */
  revision: z.number().int().min(0),
  publishedVersionId: objectIdSchema.nullable(),
  /** The number of the latest published version; 0 before the first publish. */
  version: z.number().int().min(0),
  archivedAt: z.date().nullable(),
  ...timestamps,
});

export const scenarioVersionSchema = z.object({
  id: objectIdSchema,
  workspaceId: objectIdSchema,
  scenarioId: objectIdSchema,
  version: z.number().int().min(1),
  trigger: scenarioTriggerSchema,
  nodes: z.array(scenarioNodeSchema),
  edges: z.array(scenarioEdgeSchema),
  publishedAt: z.date(),
});

export const webhookDeliverySchema = z.object({
  id: objectIdSchema,
  workspaceId: objectIdSchema,
  appId: objectIdSchema,
  deliveryId: z.string().min(1).max(256),
  /** Where the delivery id came from: the scheme's header, Idempotency-Key, or a hash of the body. */
  deliveryIdSource: z.enum(['scheme', 'idempotency_key', 'body_hash']),
  /** Another delivery of the app carries the same unsigned id with a different body. */
  idConflict: z.boolean(),
  method: z.string(),
  headers: z.record(z.string(), z.string()),
  contentType: z.string().nullable(),
  /** The raw body as received (UTF-8 text, or base64 when `bodyEncoding` says so). */
  body: z.string(),
  bodyEncoding: z.enum(['utf8', 'base64']),
  sizeBytes: z.number().int().min(0),
  receivedAt: z.date(),
  runIds: z.array(objectIdSchema),
  /** Set once runs are created and enqueued; a delivery without it is repaired by the sweeper. */
  dispatchedAt: z.date().nullable(),
});

export const RUN_STATUSES = [
  'queued',
  'running',
  'waiting',
  'succeeded',
  'failed',
  'dead',
  'cancelled',
] as const;
export const FINAL_RUN_STATUSES = ['succeeded', 'failed', 'dead', 'cancelled'] as const;
export const STEP_STATUSES = ['pending', 'running', 'waiting', 'succeeded', 'failed', 'skipped'] as const;
/** `failure`: a scenario's failure handler, started by a run of another scenario that failed (`failureOf`). */
export const RUN_TRIGGER_KINDS = ['webhook', 'manual', 'schedule', 'replay', 'redelivery', 'call', 'failure'] as const;

export const stepErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  retryable: z.boolean(),
  details: z.unknown().optional(),
});

export const stepSchema = z.object({
  nodeId: nodeIdSchema,
  nodeType: z.string(),
  status: z.enum(STEP_STATUSES),
  attempts: z.number().int().min(0),
  firedHandles: z.array(z.string()).nullable(),
  /** A failed step whose failure the node's error path took (`error` fired): the run went on. */
  handled: z.boolean().optional(),
  /** A short, size-capped rendering of what the node received. */
  inputSummary: z.unknown().optional(),
  output: z.unknown().optional(),
  outputTruncated: z.boolean(),
  error: stepErrorSchema.nullable(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
  durationMs: z.number().min(0).nullable(),
  /** When a retry or a durable wait resumes this step. */
  resumeAt: z.date().nullable(),
  /**
   * A waiting step that also resumes when this run ends (a scenario call waiting for its child)
   * or when this wait of the run is resolved (an approval).
   */
  waitingFor: z
    .union([z.object({ runId: objectIdSchema }).strict(), z.object({ waitId: z.string().min(1) }).strict()])
    .nullable()
    .optional(),
});

export const runParentSchema = z.object({
  runId: objectIdSchema,
  nodeId: nodeIdSchema,
  scenarioId: objectIdSchema,
  /** Whether the parent waits for this run (`wait: true`): it is resumed when this run ends. */
  wait: z.boolean(),
});

export const LOOP_ITEM_STATUSES = ['running', 'waiting', 'succeeded', 'failed'] as const;

/**
 * One item of a for-each loop in a run: stored beside the run (one record per run, loop and
 * index), not in it, so a 10,000-item loop keeps the run document small. `steps` are the item's
 * body steps, keyed by node id within the record.
 */
export const loopItemSchema = z.object({
  loopId: nodeIdSchema,
  index: z.number().int().min(0),
  status: z.enum(LOOP_ITEM_STATUSES),
  /** A succeeded item's result: the output of the body's last node, or `{ <id>: output }` when it ends in several. */
  output: z.unknown().optional(),
  error: stepErrorSchema.nullable(),
  steps: z.array(stepSchema),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
  /** When a waiting item's body resumes. */
  resumeAt: z.date().nullable(),
});

/**
 * One fetched page of a paginated `http.request` step, stored beside the run (one record per run,
 * node, loop item and page) before the next page is requested, so a resumed step goes on at the
 * next page instead of fetching the earlier ones again.
 */
export const httpPageSchema = z.object({
  nodeId: nodeIdSchema,
  /** Inside a for-each body: the item's index; null at the top level. */
  itemIndex: z.number().int().min(0).nullable(),
  /** 1-based. */
  page: z.number().int().min(1),
  url: z.string(),
  status: z.number().int(),
  /** The items the node's `pagination.items` expression took from this page. */
  items: z.array(z.unknown()),
  /** What requests the following page (a link, a cursor, a page number or an offset); null: this was the last. */
  next: z.union([z.string(), z.number()]).nullable(),
  /** The step's attempt that fetched the page: the next page's attempts are counted from it. */
  attempt: z.number().int().min(1),
  fetchedAt: z.date(),
});

export const runSchema = z.object({
  id: objectIdSchema,
  workspaceId: objectIdSchema,
  scenarioId: objectIdSchema,
  scenarioVersionId: objectIdSchema,
  version: z.number().int().min(1),
  trigger: z.object({
    kind: z.enum(RUN_TRIGGER_KINDS),
    deliveryId: objectIdSchema.nullable(),
    replayOf: objectIdSchema.nullable(),
  }),
  correlationId: z.string(),
  input: z.unknown(),
  status: z.enum(RUN_STATUSES),
  steps: z.array(stepSchema),
  error: stepErrorSchema.nullable(),
  cancelRequested: z.boolean(),
  /** Set on a run started by a scenario call: the calling run and node. */
  parent: runParentSchema.nullable(),
  createdAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
  updatedAt: z.date(),
});

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export const runLogSchema = z.object({
  id: objectIdSchema,
  workspaceId: objectIdSchema,
  runId: objectIdSchema,
  nodeId: nodeIdSchema.nullable(),
  attempt: z.number().int().min(0).nullable(),
  level: z.enum(LOG_LEVELS),
  message: z.string(),
  data: z.unknown().optional(),
  ts: z.date(),
});

export type Workspace = z.infer<typeof workspaceSchema>;
export type ApiToken = z.infer<typeof apiTokenSchema>;
export type App = z.infer<typeof appSchema>;
export type Connection = z.infer<typeof connectionSchema>;
export type ScenarioTrigger = z.infer<typeof scenarioTriggerSchema>;
export type ScenarioDraft = z.infer<typeof scenarioDraftSchema>;
export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioVersion = z.infer<typeof scenarioVersionSchema>;
export type WebhookDelivery = z.infer<typeof webhookDeliverySchema>;
export type RunStatus = (typeof RUN_STATUSES)[number];
export type StepStatus = (typeof STEP_STATUSES)[number];
export type RunTriggerKind = (typeof RUN_TRIGGER_KINDS)[number];
export type StepError = z.infer<typeof stepErrorSchema>;
export type Step = z.infer<typeof stepSchema>;
export type Run = z.infer<typeof runSchema>;
export type RunParent = z.infer<typeof runParentSchema>;
export type LoopItem = z.infer<typeof loopItemSchema>;
export type HttpPage = z.infer<typeof httpPageSchema>;
export type LoopItemStatus = (typeof LOOP_ITEM_STATUSES)[number];
export type LogLevel = (typeof LOG_LEVELS)[number];
export type RunLog = z.infer<typeof runLogSchema>;
