import type {
  FlowControl,
  FlowStage,
  HttpPage,
  ApprovalDecision,
  LogLevel,
  LoopItem,
  OAuth2Config,
  OAuth2Status,
  RunFlow,
  RunStatus,
  RunTriggerKind,
  ScenarioEdge,
  ScenarioNode,
  ScenarioTrigger,
  Step,
  StepError,
  Viewport,
} from '@weft/core';
import {
  API_TOKEN_SCOPES,
  type ApiTokenScope,
  type BulkJobKind,
  type BulkJobStatus,
  type DeliveryFilter,
  type RunFilter,
  type RunReplayMode,
  type RunReplayVersion,
  type SearchKeyDefinition,
  type SearchKeyValue,
  type SignatureConfig,
} from '@weft/core';
import { type Connection, type Model, Schema, type Types } from 'mongoose';

/** Stored documents. Ids are ObjectIds here; repositories hand out strings. */
export interface WorkspaceDoc {
  _id: Types.ObjectId;
  name: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface ApiTokenDoc {
  _id: Types.ObjectId;
  workspaceId: Types.ObjectId;
  name: string;
  /** SHA-256 of the token; the token itself is shown once and never stored. */
  tokenHash: string;
  prefix: string;
  /** Absent on tokens stored before scopes existed: they are `admin` (`tokenScope`). */
  scope?: ApiTokenScope;
  /** null: never expires. Absent on older tokens (never). */
  expiresAt?: Date | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface AppDoc {
  _id: Types.ObjectId;
  workspaceId: Types.ObjectId;
  key: string;
  name: string;
  signature: SignatureConfig;
  defaultConnectionId: Types.ObjectId | null;
  /** Named expressions evaluated on each delivery (core/search); absent on older apps. */
  searchKeys?: SearchKeyDefinition[];
  createdAt: Date;
  updatedAt: Date;
}

/** The AES-256-GCM envelope of core/secrets. */
export interface EncryptedSecretDoc {
  v: 1;
  kid: string;
  iv: string;
  tag: string;
  ct: string;
}

/** A connection's OAuth2 configuration and token state (see repositories/oauth2.ts). */
export interface OAuth2Doc {
  config: OAuth2Config;
  status: OAuth2Status;
  /** Counts the tokens stored: a refresh is claimed for the version its claimant saw. */
  version: number;
  /** The tokens (access, refresh, type, expiry) as one AES-256-GCM envelope. */
  tokens: EncryptedSecretDoc | null;
  expiresAt: Date | null;
  obtainedAt: Date | null;
  hasRefreshToken: boolean;
  lastError: string | null;
  /** Who is asking the token endpoint now, until when: the one refresh across all runners. */
  lease: { holder: string; until: Date } | null;
  /** An authorization (code grant) a person has started and not finished. */
  pending: { state: string; verifier: EncryptedSecretDoc; redirectUri: string; expiresAt: Date } | null;
}

export interface ConnectionDoc {
  _id: Types.ObjectId;
  workspaceId: Types.ObjectId;
  appId: Types.ObjectId;
  name: string;
  metadata: Record<string, string>;
  status: 'active' | 'disabled';
  health: { status: 'unknown' | 'ok' | 'failing'; checkedAt: Date | null; lastError: string | null };
  secrets: EncryptedSecretDoc | null;
  secretHint: string | null;
  rotatedAt: Date | null;
  rateLimitPerSec: number | null;
  oauth2: OAuth2Doc | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ScenarioDoc {
  _id: Types.ObjectId;
  workspaceId: Types.ObjectId;
  name: string;
  description: string;
  enabled: boolean;
  draft: { nodes: ScenarioNode[]; edges: ScenarioEdge[]; viewport: Viewport | null };
  trigger: ScenarioTrigger;
  /** The trigger of the published version: what webhook matching reads. */
  publishedTrigger: ScenarioTrigger | null;
  revision: number;
  publishedVersionId: Types.ObjectId | null;
  version: number;
  archivedAt: Date | null;
  /**
   * Since when the published schedule applies as it is: set when a disabled scenario is enabled
   * and when a version with a different cron or time zone is published. Ticks before it are not
   * fired (a scenario enabled at 09:05 does not catch up on 09:00). Absent on older documents.
   */
  scheduleSince?: Date | null;
  /** The latest schedule tick fired for this scenario (by any runner). */
  lastScheduledAt?: Date | null;
  /** The draft's failure handler (a scenario of this workspace); published with the draft. */
  onFailure?: Types.ObjectId | null;
  /** The draft's flow control (concurrency, throttle, debounce per key); published with the draft. */
  flowControl?: FlowControl | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ScenarioVersionDoc {
  _id: Types.ObjectId;
  workspaceId: Types.ObjectId;
  scenarioId: Types.ObjectId;
  version: number;
  trigger: ScenarioTrigger;
  nodes: ScenarioNode[];
  edges: ScenarioEdge[];
  /** The scenario that runs when a run of this version ends failed or dead. */
  onFailure?: Types.ObjectId | null;
  /** How runs of this version wait before they start (repositories/flow-control.ts). */
  flowControl?: FlowControl | null;
  publishedAt: Date;
}

export interface WebhookDeliveryDoc {
  _id: Types.ObjectId;
  workspaceId: Types.ObjectId;
  appId: Types.ObjectId;
  deliveryId: string;
  deliveryIdSource: 'scheme' | 'idempotency_key' | 'body_hash';
  /**
   * What makes two requests the same delivery, unique per app: the delivery id where the signature
   * covers it (or the body hash standing in for one), else the id and the body's SHA-256 together,
   * so a captured body sent with the id of an upcoming delivery cannot make that one a duplicate.
   */
  dedupeKey: string;
  /** Another delivery of the app has the same unsigned id and a different body. */
  idConflict?: boolean;
  method: string;
  headers: Record<string, string>;
  contentType: string | null;
  body: string;
  bodyEncoding: 'utf8' | 'base64';
  sizeBytes: number;
  receivedAt: Date;
  runIds: Types.ObjectId[];
  /**
   * The version each run id belongs to, and the run's search key values, chosen before the
   * insert: the sweeper creates missing runs from it.
   */
  plannedRuns: { runId: Types.ObjectId; scenarioVersionId: Types.ObjectId; searchKeys?: SearchKeyValue[] }[];
  dispatchedAt: Date | null;
  /**
   * The run whose `webhook.respond` node answers this delivery (a trigger with respond: "node"),
   * chosen before the insert; absent or null: answered 202 at once.
   */
  replyFrom?: DeliveryReplyFrom | null;
  /** The answer the caller got from the run, kept for the partner's retries of this delivery. */
  reply?: DeliveryReplyDoc | null;
  /** Sweeps that failed to repair this undispatched delivery, and the last one's error. */
  repairAttempts?: number;
  repairError?: string | null;
  /** Set once repairs failed too often: the sweeper leaves the delivery alone (see apps/runner sweeper). */
  quarantinedAt?: Date | null;
  /** The app's search keys evaluated at ingest (keys without a value are absent); copied to its runs. */
  searchKeys?: SearchKeyValue[];
}

export interface DeliveryReplyFrom {
  runId: Types.ObjectId;
  nodeIds: string[];
  timeoutMs: number;
}

export interface DeliveryReplyDoc {
  status: number;
  headers: Record<string, string>;
  body: string;
  runId: Types.ObjectId;
  nodeId: string;
  repliedAt: Date;
}

export interface RunParentDoc {
  runId: Types.ObjectId;
  nodeId: string;
  scenarioId: Types.ObjectId;
  /** Whether the parent waits for this run to end. */
  wait: boolean;
}

export interface RunDoc {
  _id: Types.ObjectId;
  workspaceId: Types.ObjectId;
  scenarioId: Types.ObjectId;
  scenarioVersionId: Types.ObjectId;
  version: number;
  trigger: {
    kind: RunTriggerKind;
    deliveryId: Types.ObjectId | null;
    replayOf: Types.ObjectId | null;
    /** A failure handler run: the run whose failure started it. */
    failureOf?: Types.ObjectId | null;
  };
  correlationId: string;
  /**
   * The trace this run continues (W3C `traceparent` of the span that created it, e.g. the api's
   * "delivery stored"), so the runner that claims it, in another process, traces it as a child.
   * Absent when tracing was off where the run was created.
   */
  trace?: RunTraceDoc | null;
  input: unknown;
  status: RunStatus;
  /**
   * The failure handler this failed run starts: written by the same update that makes the run
   * final (`pending`), the handler run (with `runId`) created after it, then `pending: false`; a
   * handler that cannot start records why in `error`. See repositories/failure-handlers.ts.
   */
  failureHandler?: FailureHandlerDoc | null;
  steps: Step[];
  error: StepError | null;
  cancelRequested: boolean;
  /** The runner process holding the run, and until when; an expired lease may be taken over. */
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  /** How many times a runner claimed the run (1 unless resumed after a crash or a wait). */
  claims: number;
  /**
   * Claims since the run last settled by its own outcome (finished, suspended, released): a run
   * that keeps being claimed without getting there (its runner crashes, loses the lease, cannot
   * store it) is dead-lettered once this passes the runner's limit. Absent on older runs.
   */
  unsettledClaims?: number;
  resumeAt: Date | null;
  /** When retention removed the steps' outputs and input summaries (absent while they are kept). */
  outputsPrunedAt?: Date | null;
  /** A run started by a scenario call: the calling run and node (absent on other runs). */
  parent?: RunParentDoc | null;
  /** The scenarios of the calling runs above this one, outermost first (its call depth is the length). */
  callPath?: Types.ObjectId[];
  /** The flow control of its version with this run's keys, and how it went (repositories/flow-control.ts). */
  flow?: RunFlowDoc | null;
  /**
   * A queued run that may not start yet: the flow stage it waits in. Only runs with none are
   * claimed; the runners' flow admitter moves a run through its stages.
   */
  waitingFor?: FlowStage | null;
  /** Set while a waiting parent still has to be resumed for this run's end; removed once it was. */
  resumeParent?: boolean;
  /** The search key values of the delivery that started it (or of the run it replays). */
  searchKeys?: SearchKeyValue[];
  createdAt: Date;
  startedAt?: Date;
  finishedAt: Date | null;
  updatedAt: Date;
}

export interface RunTraceDoc {
  traceparent: string;
}

export interface RunFlowDoc extends RunFlow {
  /** When it left its last stage (it may start from then on). */
  admittedAt?: Date | null;
  /** The throttle window it was counted in. */
  throttleWindow?: Date | null;
  /** A debounced run whose batch ran as another run (that run's id); the run itself is cancelled. */
  supersededBy?: Types.ObjectId | null;
  /** A debounce `all` run: how many inputs its batch collected (its input is their list). */
  collected?: number | null;
}

/**
 * A concurrency slot of a (scenario, key): the runs holding it, at most the limit. Compare-and-set
 * on `v`. A run holds its place from admission until it is final.
 */
export interface FlowSlotDoc {
  _id: string;
  v: number;
  holders: Types.ObjectId[];
  updatedAt: Date;
}

/** A throttle window of a (scenario, key): how many runs it let start. */
export interface FlowWindowDoc {
  _id: string;
  windowStart: Date;
  count: number;
  updatedAt: Date;
}

export interface FailureHandlerDoc {
  scenarioId: Types.ObjectId;
  runId: Types.ObjectId;
  pending: boolean;
  /** Why the handler run was not created (its scenario was deleted, is unpublished, …). */
  error: string | null;
}

/**
 * One item of a for-each loop of a run, with its body steps: beside the run document, not in it,
 * so a loop of 10,000 items keeps the run small. Unique per (run, loop, index).
 */
export interface RunLoopItemDoc extends LoopItem {
  _id: Types.ObjectId;
  workspaceId: Types.ObjectId;
  runId: Types.ObjectId;
  updatedAt: Date;
}

/**
 * One fetched page of a paginated `http.request` step of a run: beside the run, stored before the
 * next page is requested. Unique per (run, node, loop item, page).
 */
export interface RunHttpPageDoc extends HttpPage {
  _id: Types.ObjectId;
  /** `items.length`, so the run view lists pages without reading their items. */
  itemCount: number;
  workspaceId: Types.ObjectId;
  runId: Types.ObjectId;
  updatedAt: Date;
}

/**
 * A step's wait for someone (`wait.approval`) or a delivery (`wait.event`) to resume its run:
 * beside the run, one per step (the id is the step key), resolved once by a compare-and-set on
 * `resolvedAt`, so of two resumes, or a resume and the timeout, exactly one counts.
 */
export interface RunWaitDoc {
  /** The step key: `<runId>:<nodeId>`, plus `:<index>` inside a for-each body. */
  _id: string;
  workspaceId: Types.ObjectId;
  runId: Types.ObjectId;
  scenarioId: Types.ObjectId;
  nodeId: string;
  itemIndex: number | null;
  kind: 'approval' | 'event';
  message: string | null;
  expiresAt: Date;
  /** Event waits: the app, the key computed at the wait's start, and the delivery's key expression. */
  appId?: Types.ObjectId;
  correlationKey?: string;
  deliveryKey?: string;
  lookBackMs?: number;
  /** Event waits: deliveries offered (matching key, or in the look-back window) and not dismissed. */
  candidates?: Types.ObjectId[];
  /** Event waits: set once the deliveries of the look-back window were offered. */
  lookedBack?: boolean;
  createdAt: Date;
  resolvedAt: Date | null;
  resolution: RunWaitResolutionDoc | null;
  /** Set by a resume, removed once the waiting run was woken: what the sweep repairs. */
  resumeRun?: boolean;
}

export interface RunWaitResolutionDoc {
  decision: ApprovalDecision | null;
  by: string | null;
  data: unknown;
  timedOut: boolean;
}

export interface RunLogDoc {
  _id: Types.ObjectId;
  workspaceId: Types.ObjectId;
  runId: Types.ObjectId;
  /** The run's correlation id, so one search finds the logs of a delivery's runs. */
  correlationId: string;
  nodeId: string | null;
  attempt: number | null;
  level: LogLevel;
  message: string;
  data?: unknown;
  ts: Date;
}

/** One fired tick of a scheduled scenario; the unique (scenarioId, tickAt) lets one runner fire it. */
export interface ScheduleTickDoc {
  _id: Types.ObjectId;
  workspaceId: Types.ObjectId;
  scenarioId: Types.ObjectId;
  /** The instant the cron named (`scheduledFor` of the run). */
  tickAt: Date;
  scenarioVersionId: Types.ObjectId;
  /** Chosen before the insert, so a crash before the run exists is repaired with the same id. */
  runId: Types.ObjectId;
  firedAt: Date;
  /** Set once the run exists and is enqueued. */
  dispatchedAt: Date | null;
}

/** The recent request slots of one connection's outbound rate limit, shared by every runner. */
export interface OutboundLimitDoc {
  /** The connection id (hex). */
  _id: string;
  /** Compare-and-set version: bumped by every reservation. */
  v: number;
  /** Reserved request times (ms), ascending, at most the window's count. */
  slots: number[];
  updatedAt: Date;
}

/** What a bulk job does to each item it selects. */
export type BulkJobSpec =
  | { kind: Extract<BulkJobKind, 'replay'>; filter: RunFilter; from: RunReplayMode; version: RunReplayVersion }
  | { kind: Extract<BulkJobKind, 'redeliver'>; filter: DeliveryFilter };

/**
 * A replay or redelivery of everything a filter selects, processed in the background by one api
 * process at a time (the lease), in (time, id) order from `cursor`. Items created after
 * `createdAt` are never selected, so the job's own replays are not replayed again.
 */
export interface BulkJobDoc {
  _id: Types.ObjectId;
  workspaceId: Types.ObjectId;
  spec: BulkJobSpec;
  status: BulkJobStatus;
  /** Items the filter selected when processing started; null until then. */
  total: number | null;
  /** Counted from the job's items: replayed/redelivered, skipped (not eligible, with a reason), failed. */
  counts: { done: number; skipped: number; failed: number };
  /** The last item processed: (its time, its id). */
  cursor: { time: Date; id: Types.ObjectId } | null;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  /** The latest reasons items were skipped or failed, newest last, capped. */
  problems: { sourceId: Types.ObjectId; outcome: 'skipped' | 'failed'; message: string }[];
  createdBy: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
}

export type BulkItemOutcome = 'pending' | 'done' | 'skipped' | 'failed';

/**
 * One source run (or delivery) of a bulk job: its id is `<jobId>:<sourceId>`, so it is recorded
 * once, with the run ids chosen before any run exists. Whoever processes the item again (after a
 * crash, or a lease taken over) creates those very runs, or nothing: never a second replay.
 */
export interface BulkJobItemDoc {
  _id: string;
  jobId: Types.ObjectId;
  sourceId: Types.ObjectId;
  /** The runs this item creates: the run id, the version it runs and (redeliveries) its search key values. */
  planned: { runId: Types.ObjectId; scenarioVersionId: Types.ObjectId; searchKeys?: SearchKeyValue[] }[];
  outcome: BulkItemOutcome;
  message: string | null;
  createdAt: Date;
}

const { ObjectId, Mixed } = Schema.Types;
const plain = { _id: false, minimize: false } as const;

const workspaceSchema = new Schema<WorkspaceDoc>(
  { name: { type: String, required: true } },
  { timestamps: true },
);

const apiTokenSchema = new Schema<ApiTokenDoc>({
  workspaceId: { type: ObjectId, required: true },
  name: { type: String, required: true },
  tokenHash: { type: String, required: true },
  prefix: { type: String, required: true },
  scope: { type: String, enum: API_TOKEN_SCOPES },
  expiresAt: { type: Date, default: null },
  createdAt: { type: Date, required: true },
  lastUsedAt: { type: Date, default: null },
  revokedAt: { type: Date, default: null },
});
apiTokenSchema.index({ tokenHash: 1 }, { unique: true });
apiTokenSchema.index({ workspaceId: 1, createdAt: -1 });

const appSchema = new Schema<AppDoc>(
  {
    workspaceId: { type: ObjectId, required: true },
    key: { type: String, required: true },
    name: { type: String, required: true },
    signature: { type: Mixed, required: true },
    defaultConnectionId: { type: ObjectId, default: null },
    searchKeys: { type: Mixed, default: () => [] },
  },
  { timestamps: true, minimize: false },
);
// Keys are global: they are the URL of `POST /webhook/:appKey`.
appSchema.index({ key: 1 }, { unique: true });
appSchema.index({ workspaceId: 1, name: 1 });

const connectionSchema = new Schema<ConnectionDoc>(
  {
    workspaceId: { type: ObjectId, required: true },
    appId: { type: ObjectId, required: true },
    name: { type: String, required: true },
    metadata: { type: Mixed, default: {} },
    status: { type: String, enum: ['active', 'disabled'], default: 'active' },
    health: {
      type: new Schema(
        {
          status: { type: String, enum: ['unknown', 'ok', 'failing'], default: 'unknown' },
          checkedAt: { type: Date, default: null },
          lastError: { type: String, default: null },
        },
        plain,
      ),
      default: () => ({}),
    },
    secrets: { type: Mixed, default: null },
    secretHint: { type: String, default: null },
    rotatedAt: { type: Date, default: null },
    rateLimitPerSec: { type: Number, default: null },
    oauth2: { type: Mixed, default: null },
  },
  { timestamps: true, minimize: false },
);
connectionSchema.index({ workspaceId: 1, appId: 1 });
// The OAuth2 callback finds the connection by the `state` it sent the person away with
// (32 random bytes: unique by construction, so the index needs no uniqueness of its own).
connectionSchema.index(
  { 'oauth2.pending.state': 1 },
  { partialFilterExpression: { 'oauth2.pending.state': { $type: 'string' } } },
);

const scenarioSchema = new Schema<ScenarioDoc>(
  {
    workspaceId: { type: ObjectId, required: true },
    name: { type: String, required: true },
    description: { type: String, default: '' },
    enabled: { type: Boolean, default: false },
    draft: { type: Mixed, required: true },
    trigger: { type: Mixed, required: true },
    publishedTrigger: { type: Mixed, default: null },
    revision: { type: Number, default: 0 },
    publishedVersionId: { type: ObjectId, default: null },
    version: { type: Number, default: 0 },
    archivedAt: { type: Date, default: null },
    scheduleSince: { type: Date, default: null },
    lastScheduledAt: { type: Date, default: null },
    onFailure: { type: ObjectId, default: null },
    flowControl: { type: Mixed, default: null },
  },
  { timestamps: true, minimize: false },
);
scenarioSchema.index({ workspaceId: 1, 'publishedTrigger.kind': 1, 'publishedTrigger.appId': 1, enabled: 1 });
// The runners' scheduler reads the enabled schedule scenarios of every workspace.
scenarioSchema.index({ 'publishedTrigger.kind': 1, enabled: 1 });
scenarioSchema.index({ workspaceId: 1, updatedAt: -1, _id: -1 });

const scenarioVersionSchema = new Schema<ScenarioVersionDoc>(
  {
    workspaceId: { type: ObjectId, required: true },
    scenarioId: { type: ObjectId, required: true },
    version: { type: Number, required: true },
    trigger: { type: Mixed, required: true },
    nodes: { type: Mixed, required: true },
    edges: { type: Mixed, required: true },
    onFailure: { type: ObjectId, default: null },
    flowControl: { type: Mixed, default: null },
    publishedAt: { type: Date, required: true },
  },
  { minimize: false },
);
scenarioVersionSchema.index({ scenarioId: 1, version: 1 }, { unique: true });

const webhookDeliverySchema = new Schema<WebhookDeliveryDoc>(
  {
    workspaceId: { type: ObjectId, required: true },
    appId: { type: ObjectId, required: true },
    deliveryId: { type: String, required: true },
    deliveryIdSource: { type: String, required: true },
    dedupeKey: { type: String, required: true },
    idConflict: { type: Boolean, default: false },
    method: { type: String, required: true },
    headers: { type: Mixed, default: {} },
    contentType: { type: String, default: null },
    body: { type: String, default: '' },
    bodyEncoding: { type: String, enum: ['utf8', 'base64'], default: 'utf8' },
    sizeBytes: { type: Number, required: true },
    receivedAt: { type: Date, required: true },
    runIds: { type: [ObjectId], default: [] },
    plannedRuns: { type: Mixed, default: () => [] },
    dispatchedAt: { type: Date, default: null },
    replyFrom: { type: Mixed, default: null },
    reply: { type: Mixed, default: null },
    repairAttempts: { type: Number, default: 0 },
    repairError: { type: String, default: null },
    quarantinedAt: { type: Date, default: null },
    searchKeys: { type: Mixed, default: undefined },
  },
  { minimize: false },
);
webhookDeliverySchema.index({ appId: 1, dedupeKey: 1 }, { unique: true });
// Finding the deliveries that share an unsigned id (idConflict).
webhookDeliverySchema.index({ appId: 1, deliveryId: 1 });
webhookDeliverySchema.index({ workspaceId: 1, receivedAt: -1 });
webhookDeliverySchema.index({ dispatchedAt: 1, receivedAt: 1 });
// An event wait's look-back: the app's deliveries of the last minutes.
webhookDeliverySchema.index({ appId: 1, receivedAt: 1 });
// Search by key: multikey over the (name, value) pairs, ending in the list's order.
webhookDeliverySchema.index({
  workspaceId: 1,
  'searchKeys.name': 1,
  'searchKeys.value': 1,
  receivedAt: -1,
  _id: -1,
});

const runSchema = new Schema<RunDoc>(
  {
    workspaceId: { type: ObjectId, required: true },
    scenarioId: { type: ObjectId, required: true },
    scenarioVersionId: { type: ObjectId, required: true },
    version: { type: Number, required: true },
    trigger: { type: Mixed, required: true },
    correlationId: { type: String, required: true },
    trace: { type: Mixed },
    input: { type: Mixed, default: null },
    status: { type: String, required: true },
    steps: { type: Mixed, default: () => [] },
    error: { type: Mixed, default: null },
    cancelRequested: { type: Boolean, default: false },
    leaseOwner: { type: String, default: null },
    leaseExpiresAt: { type: Date, default: null },
    claims: { type: Number, default: 0 },
    resumeAt: { type: Date, default: null },
    outputsPrunedAt: { type: Date, default: null },
    parent: { type: Mixed },
    callPath: { type: [ObjectId], default: undefined },
    resumeParent: { type: Boolean },
    failureHandler: { type: Mixed, default: null },
    flow: { type: Mixed },
    waitingFor: { type: String },
    searchKeys: { type: Mixed, default: undefined },
    startedAt: { type: Date },
    finishedAt: { type: Date, default: null },
  },
  { timestamps: true, minimize: false },
);
// listRuns sorts by (createdAt, _id) desc: every index it uses ends in both, so a page is an index
// range scan of `limit + 1` entries, never a sort of all the matching runs.
runSchema.index({ workspaceId: 1, createdAt: -1, _id: -1 });
runSchema.index({ workspaceId: 1, scenarioId: 1, createdAt: -1, _id: -1 });
runSchema.index({ workspaceId: 1, status: 1, createdAt: -1, _id: -1 });
runSchema.index({ workspaceId: 1, correlationId: 1 });
runSchema.index({ workspaceId: 1, 'searchKeys.name': 1, 'searchKeys.value': 1, createdAt: -1, _id: -1 });
runSchema.index({ status: 1, updatedAt: 1 });
// The sweeper: failure handlers written as pending and not created yet. Partial: only the few
// pending ones are indexed, so the run writes of everything else do not pay for it.
runSchema.index(
  { 'failureHandler.pending': 1, updatedAt: 1 },
  { partialFilterExpression: { 'failureHandler.pending': true } },
);
// Retention: finished runs whose outputs are still kept, oldest first.
runSchema.index({ outputsPrunedAt: 1, finishedAt: 1 });
// Scenario calls: a run's children, and children whose end has not resumed their parent yet.
runSchema.index({ 'parent.runId': 1 });
runSchema.index({ resumeParent: 1, finishedAt: 1 });
// The flow admitter: the runs waiting in a stage, per scenario, oldest first. Partial: runs that
// wait for nothing (nearly all) are not indexed.
runSchema.index(
  { waitingFor: 1, scenarioId: 1, createdAt: 1, _id: 1 },
  { partialFilterExpression: { waitingFor: { $type: 'string' } } },
);

const runLoopItemSchema = new Schema<RunLoopItemDoc>(
  {
    workspaceId: { type: ObjectId, required: true },
    runId: { type: ObjectId, required: true },
    loopId: { type: String, required: true },
    index: { type: Number, required: true },
    status: { type: String, required: true },
    output: { type: Mixed },
    error: { type: Mixed, default: null },
    steps: { type: Mixed, default: () => [] },
    startedAt: { type: Date, default: null },
    finishedAt: { type: Date, default: null },
    resumeAt: { type: Date, default: null },
    updatedAt: { type: Date, required: true },
  },
  { minimize: false },
);
runLoopItemSchema.index({ runId: 1, loopId: 1, index: 1 }, { unique: true });

const runHttpPageSchema = new Schema<RunHttpPageDoc>(
  {
    workspaceId: { type: ObjectId, required: true },
    runId: { type: ObjectId, required: true },
    nodeId: { type: String, required: true },
    itemIndex: { type: Number, default: null },
    page: { type: Number, required: true },
    url: { type: String, required: true },
    status: { type: Number, required: true },
    items: { type: Mixed, default: () => [] },
    itemCount: { type: Number, required: true },
    next: { type: Mixed, default: null },
    attempt: { type: Number, required: true },
    fetchedAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { minimize: false },
);
runHttpPageSchema.index({ runId: 1, nodeId: 1, itemIndex: 1, page: 1 }, { unique: true });

const runWaitSchema = new Schema<RunWaitDoc>(
  {
    _id: { type: String, required: true },
    workspaceId: { type: ObjectId, required: true },
    runId: { type: ObjectId, required: true },
    scenarioId: { type: ObjectId, required: true },
    nodeId: { type: String, required: true },
    itemIndex: { type: Number, default: null },
    kind: { type: String, required: true },
    message: { type: String, default: null },
    expiresAt: { type: Date, required: true },
    createdAt: { type: Date, required: true },
    resolvedAt: { type: Date, default: null },
    resolution: { type: Mixed, default: null },
    resumeRun: { type: Boolean },
    appId: { type: ObjectId },
    correlationKey: { type: String },
    deliveryKey: { type: String },
    lookBackMs: { type: Number },
    candidates: { type: [ObjectId], default: undefined },
    lookedBack: { type: Boolean },
  },
  { minimize: false },
);
runWaitSchema.index({ runId: 1 });
// A delivery finds the open event waits of its app by key expression and key: an index lookup, no scan.
runWaitSchema.index({ appId: 1, resolvedAt: 1, deliveryKey: 1, correlationKey: 1 });
// The sweep: resolved waits whose run was not woken yet; partial, so only those few are indexed.
runWaitSchema.index({ resumeRun: 1, resolvedAt: 1 }, { partialFilterExpression: { resumeRun: true } });

const runLogSchema = new Schema<RunLogDoc>(
  {
    workspaceId: { type: ObjectId, required: true },
    runId: { type: ObjectId, required: true },
    correlationId: { type: String, required: true },
    nodeId: { type: String, default: null },
    attempt: { type: Number, default: null },
    level: { type: String, required: true },
    message: { type: String, required: true },
    data: { type: Mixed },
    ts: { type: Date, required: true },
  },
  { minimize: false },
);
runLogSchema.index({ runId: 1, ts: 1 });
// Retention: by age, and the newest lines per workspace.
runLogSchema.index({ ts: 1 });
runLogSchema.index({ workspaceId: 1, ts: -1, _id: -1 });

const scheduleTickSchema = new Schema<ScheduleTickDoc>({
  workspaceId: { type: ObjectId, required: true },
  scenarioId: { type: ObjectId, required: true },
  tickAt: { type: Date, required: true },
  scenarioVersionId: { type: ObjectId, required: true },
  runId: { type: ObjectId, required: true },
  firedAt: { type: Date, required: true },
  dispatchedAt: { type: Date, default: null },
});
scheduleTickSchema.index({ scenarioId: 1, tickAt: 1 }, { unique: true });
scheduleTickSchema.index({ dispatchedAt: 1, firedAt: 1 });
scheduleTickSchema.index({ tickAt: 1 });

const outboundLimitSchema = new Schema<OutboundLimitDoc>({
  _id: { type: String, required: true },
  v: { type: Number, required: true },
  slots: { type: [Number], default: [] },
  updatedAt: { type: Date, required: true },
});
outboundLimitSchema.index({ updatedAt: 1 });

const flowSlotSchema = new Schema<FlowSlotDoc>({
  _id: { type: String, required: true },
  v: { type: Number, required: true },
  holders: { type: [ObjectId], default: [] },
  updatedAt: { type: Date, required: true },
});

const flowWindowSchema = new Schema<FlowWindowDoc>({
  _id: { type: String, required: true },
  windowStart: { type: Date, required: true },
  count: { type: Number, required: true },
  updatedAt: { type: Date, required: true },
});
const bulkJobSchema = new Schema<BulkJobDoc>(
  {
    workspaceId: { type: ObjectId, required: true },
    spec: { type: Mixed, required: true },
    status: { type: String, required: true },
    total: { type: Number, default: null },
    counts: { type: Mixed, default: () => ({ done: 0, skipped: 0, failed: 0 }) },
    cursor: { type: Mixed, default: null },
    leaseOwner: { type: String, default: null },
    leaseExpiresAt: { type: Date, default: null },
    problems: { type: Mixed, default: () => [] },
    createdBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
    startedAt: { type: Date, default: null },
    finishedAt: { type: Date, default: null },
    updatedAt: { type: Date, required: true },
  },
  { minimize: false },
);
bulkJobSchema.index({ workspaceId: 1, createdAt: -1, _id: -1 });
// Workers look for a job to take: queued, or running with an expired lease.
bulkJobSchema.index({ status: 1, leaseExpiresAt: 1 });
// Retention: finished jobs by age.
bulkJobSchema.index({ status: 1, finishedAt: 1 });

const bulkJobItemSchema = new Schema<BulkJobItemDoc>(
  {
    _id: { type: String, required: true },
    jobId: { type: ObjectId, required: true },
    sourceId: { type: ObjectId, required: true },
    planned: { type: Mixed, default: () => [] },
    outcome: { type: String, required: true },
    message: { type: String, default: null },
    createdAt: { type: Date, required: true },
  },
  { minimize: false },
);
bulkJobItemSchema.index({ jobId: 1, outcome: 1 });
// Whether a run was created by a job (`isBulkJobRun`).
bulkJobItemSchema.index({ jobId: 1, 'planned.runId': 1 });

export interface Models {
  Workspace: Model<WorkspaceDoc>;
  ApiToken: Model<ApiTokenDoc>;
  App: Model<AppDoc>;
  Connection: Model<ConnectionDoc>;
  Scenario: Model<ScenarioDoc>;
  ScenarioVersion: Model<ScenarioVersionDoc>;
  WebhookDelivery: Model<WebhookDeliveryDoc>;
  Run: Model<RunDoc>;
  RunLog: Model<RunLogDoc>;
  RunLoopItem: Model<RunLoopItemDoc>;
  RunHttpPage: Model<RunHttpPageDoc>;
  RunWait: Model<RunWaitDoc>;
  ScheduleTick: Model<ScheduleTickDoc>;
  OutboundLimit: Model<OutboundLimitDoc>;
  FlowSlot: Model<FlowSlotDoc>;
  FlowWindow: Model<FlowWindowDoc>;
  BulkJob: Model<BulkJobDoc>;
  BulkJobItem: Model<BulkJobItemDoc>;
}

/** Binds Weft's models to one connection (tests run several connections side by side). */
export function createModels(connection: Connection): Models {
  return {
    Workspace: connection.model<WorkspaceDoc>('Workspace', workspaceSchema, 'workspaces'),
    ApiToken: connection.model<ApiTokenDoc>('ApiToken', apiTokenSchema, 'apiTokens'),
    App: connection.model<AppDoc>('App', appSchema, 'apps'),
    Connection: connection.model<ConnectionDoc>('Connection', connectionSchema, 'connections'),
    Scenario: connection.model<ScenarioDoc>('Scenario', scenarioSchema, 'scenarios'),
    ScenarioVersion: connection.model<ScenarioVersionDoc>(
      'ScenarioVersion',
      scenarioVersionSchema,
      'scenarioVersions',
    ),
    WebhookDelivery: connection.model<WebhookDeliveryDoc>(
      'WebhookDelivery',
      webhookDeliverySchema,
      'webhookDeliveries',
    ),
    Run: connection.model<RunDoc>('Run', runSchema, 'runs'),
    RunLog: connection.model<RunLogDoc>('RunLog', runLogSchema, 'runLogs'),
    RunLoopItem: connection.model<RunLoopItemDoc>('RunLoopItem', runLoopItemSchema, 'runLoopItems'),
    RunHttpPage: connection.model<RunHttpPageDoc>('RunHttpPage', runHttpPageSchema, 'runHttpPages'),
    RunWait: connection.model<RunWaitDoc>('RunWait', runWaitSchema, 'runWaits'),
    ScheduleTick: connection.model<ScheduleTickDoc>('ScheduleTick', scheduleTickSchema, 'scheduleTicks'),
    OutboundLimit: connection.model<OutboundLimitDoc>('OutboundLimit', outboundLimitSchema, 'outboundLimits'),
    FlowSlot: connection.model<FlowSlotDoc>('FlowSlot', flowSlotSchema, 'flowSlots'),
    FlowWindow: connection.model<FlowWindowDoc>('FlowWindow', flowWindowSchema, 'flowWindows'),
    BulkJob: connection.model<BulkJobDoc>('BulkJob', bulkJobSchema, 'bulkJobs'),
    BulkJobItem: connection.model<BulkJobItemDoc>('BulkJobItem', bulkJobItemSchema, 'bulkJobItems'),
  };
}
