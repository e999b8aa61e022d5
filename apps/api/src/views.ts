/**
 * What the API shows of stored documents: every field named explicitly, so a field added to a
 * model (or an internal one such as a lease or an encrypted secret) never leaks by accident.
 */
import type { LoopItem, SearchKeyValue, Step } from '@weft/core';
import { runParentView } from './call-views.js';
import type {
  ApiTokenDoc,
  AppDoc,
  DeliverySummaryDoc,
  LoopItemSummary,
  RunDoc,
  RunLogDoc,
  RunSummaryDoc,
  ScenarioDoc,
  ScenarioSummaryDoc,
  ScenarioVersionDoc,
  WebhookDeliveryDoc,
} from '@weft/db';
import { tokenScope } from '@weft/db';

export function appView(doc: AppDoc) {
  return {
    id: doc._id.toHexString(),
    workspaceId: doc.workspaceId.toHexString(),
    key: doc.key,
    name: doc.name,
    signature: doc.signature,
    defaultConnectionId: doc.defaultConnectionId?.toHexString() ?? null,
    /** Named expressions evaluated on each delivery; their values make deliveries and runs searchable. */
    searchKeys: (doc.searchKeys ?? []).map((key) => ({ name: key.name, expression: key.expression })),
    /** Where partners post: relative to the api's base URL. */
    webhookPath: `/webhook/${doc.key}`,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

export function scenarioView(doc: ScenarioDoc) {
  return {
    id: doc._id.toHexString(),
    workspaceId: doc.workspaceId.toHexString(),
    name: doc.name,
    description: doc.description,
    enabled: doc.enabled,
    draft: { nodes: doc.draft.nodes, edges: doc.draft.edges, viewport: doc.draft.viewport ?? null },
    trigger: doc.trigger,
    publishedTrigger: doc.publishedTrigger ?? null,
    revision: doc.revision,
    publishedVersionId: doc.publishedVersionId?.toHexString() ?? null,
    version: doc.version,
    /** The scenario that runs when a run of this one fails (set on the draft, applies once published). */
    onFailure: doc.onFailure?.toHexString() ?? null,
    /** How runs wait before they start, per key (set on the draft, applies once published). */
    flowControl: doc.flowControl ?? null,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

/** A scenario in a list: no graph. */
export function scenarioSummaryView(doc: ScenarioSummaryDoc) {
  return {
    id: doc._id.toHexString(),
    name: doc.name,
    description: doc.description,
    enabled: doc.enabled,
    trigger: doc.trigger,
    publishedTrigger: doc.publishedTrigger ?? null,
    revision: doc.revision,
    publishedVersionId: doc.publishedVersionId?.toHexString() ?? null,
    version: doc.version,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

export function versionView(
  doc: Pick<ScenarioVersionDoc, '_id' | 'scenarioId' | 'version' | 'trigger' | 'publishedAt'>,
) {
  return {
    id: doc._id.toHexString(),
    scenarioId: doc.scenarioId.toHexString(),
    version: doc.version,
    trigger: doc.trigger,
    publishedAt: doc.publishedAt,
  };
}

/** A published version with its frozen graph. */
export function versionDetailView(doc: ScenarioVersionDoc) {
  return { ...versionView(doc), nodes: doc.nodes, edges: doc.edges };
}

export function tokenView(doc: Omit<ApiTokenDoc, 'tokenHash'>) {
  return {
    id: doc._id.toHexString(),
    name: doc.name,
    /** The first characters of the token, to tell tokens apart. */
    prefix: doc.prefix,
    scope: tokenScope(doc),
    /** null: never expires. */
    expiresAt: doc.expiresAt ?? null,
    createdAt: doc.createdAt,
    lastUsedAt: doc.lastUsedAt ?? null,
    revokedAt: doc.revokedAt ?? null,
  };
}

function stepView(step: Step) {
  return {
    nodeId: step.nodeId,
    nodeType: step.nodeType,
    status: step.status,
    attempts: step.attempts,
    firedHandles: step.firedHandles ?? null,
    /** Failed, and taken by the node's error path (it fired `error`; the run went on). */
    handled: step.handled === true,
    inputSummary: step.inputSummary ?? null,
    output: step.output ?? null,
    outputTruncated: step.outputTruncated ?? false,
    error: step.error ?? null,
    startedAt: step.startedAt ?? null,
    finishedAt: step.finishedAt ?? null,
    durationMs: step.durationMs ?? null,
    resumeAt: step.resumeAt ?? null,
    /** The run a waiting scenario call waits for. */
    waitingFor: step.waitingFor ?? null,
  };
}

export function loopItemSummaryView(item: LoopItemSummary) {
  return {
    index: item.index,
    status: item.status,
    error: item.error ?? null,
    startedAt: item.startedAt ?? null,
    finishedAt: item.finishedAt ?? null,
    resumeAt: item.resumeAt ?? null,
  };
}

/** A loop item with its body steps, each shaped like a run's step. */
export function loopItemView(item: LoopItem) {
  return {
    ...loopItemSummaryView(item),
    loopId: item.loopId,
    output: item.output ?? null,
    steps: item.steps.map(stepView),
  };
}

export function runLogView(doc: RunLogDoc) {
  return {
    id: doc._id.toHexString(),
    nodeId: doc.nodeId,
    attempt: doc.attempt,
    level: doc.level,
    message: doc.message,
    data: doc.data ?? null,
    ts: doc.ts,
  };
}

function runTriggerView(trigger: RunDoc['trigger']) {
  return {
    kind: trigger.kind,
    deliveryId: trigger.deliveryId?.toHexString() ?? null,
    replayOf: trigger.replayOf?.toHexString() ?? null,
    /** A failure handler run: the failed run that started it. */
    failureOf: trigger.failureOf?.toHexString() ?? null,
  };
}

function searchKeysView(values: readonly SearchKeyValue[] | undefined) {
  return (values ?? []).map((key) => ({ name: key.name, value: key.value }));
}

/** A run in a list: no input, steps or outputs. */
export function runSummaryView(doc: RunSummaryDoc) {
  return {
    id: doc._id.toHexString(),
    scenarioId: doc.scenarioId.toHexString(),
    scenarioVersionId: doc.scenarioVersionId.toHexString(),
    version: doc.version,
    trigger: runTriggerView(doc.trigger),
    correlationId: doc.correlationId,
    status: doc.status,
    /** A queued run that may not start yet: the flow control stage it waits in. */
    waitingFor: doc.waitingFor ?? null,
    error: doc.error ?? null,
    searchKeys: searchKeysView(doc.searchKeys),
    createdAt: doc.createdAt,
    startedAt: doc.startedAt ?? null,
    finishedAt: doc.finishedAt ?? null,
    durationMs:
      doc.startedAt && doc.finishedAt
        ? Math.max(0, doc.finishedAt.getTime() - doc.startedAt.getTime())
        : null,
  };
}

/** A run's flow control: its keys, and how it went through the stages. */
export function runFlowView(flow: RunDoc['flow']) {
  if (!flow) return null;
  return {
    concurrency: flow.concurrency ?? null,
    throttle: flow.throttle ?? null,
    debounce: flow.debounce ?? null,
    admittedAt: flow.admittedAt ?? null,
    throttleWindow: flow.throttleWindow ?? null,
    /** A debounced run whose batch ran as this other run. */
    supersededBy: flow.supersededBy?.toHexString() ?? null,
    /** A debounce `all` run: how many inputs it collected. */
    collected: flow.collected ?? null,
  };
}

function deliveryBase(doc: DeliverySummaryDoc) {
  return {
    id: doc._id.toHexString(),
    appId: doc.appId.toHexString(),
    /** The partner's delivery id (or Idempotency-Key, or sha256 of the body). */
    deliveryId: doc.deliveryId,
    deliveryIdSource: doc.deliveryIdSource,
    /** Another delivery of the app carries the same unsigned id with a different body: one may be forged. */
    idConflict: doc.idConflict ?? false,
    /** The runner's sweeper failed to repair this undispatched delivery too often and leaves it alone. */
    quarantine: doc.quarantinedAt
      ? { at: doc.quarantinedAt, attempts: doc.repairAttempts ?? 0, error: doc.repairError ?? null }
      : null,
    contentType: doc.contentType,
    sizeBytes: doc.sizeBytes,
    receivedAt: doc.receivedAt,
    /**
     * Only verified deliveries are stored (a request failing its signature check is answered 401
     * and counted, never stored), so a stored delivery's outcome is always `verified`.
     */
    verification: 'verified' as const,
    runIds: doc.runIds.map((id) => id.toHexString()),
    dispatchedAt: doc.dispatchedAt,
    /** The app's search keys evaluated when it arrived (keys without a value absent). */
    searchKeys: searchKeysView(doc.searchKeys),
  };
}

export function deliverySummaryView(doc: DeliverySummaryDoc) {
  return deliveryBase(doc);
}

export function deliveryView(
  doc: WebhookDeliveryDoc,
  extra: {
    scheme: string | null;
    runs: ReturnType<typeof deliveryRunView>[];
  },
) {
  return {
    ...deliveryBase(doc),
    method: doc.method,
    /** Credentials were replaced by `[redacted]` before the delivery was stored. */
    headers: doc.headers,
    body: doc.body,
    bodyEncoding: doc.bodyEncoding,
    /** The app's signature scheme the delivery was verified with (null once the app is deleted). */
    scheme: extra.scheme,
    runs: extra.runs,
    /** The run whose `webhook.respond` node answers this delivery (respond: "node"); null: answered 202. */
    replyFrom: doc.replyFrom
      ? { runId: doc.replyFrom.runId.toHexString(), nodeIds: doc.replyFrom.nodeIds, timeoutMs: doc.replyFrom.timeoutMs }
      : null,
    /** The answer the caller got from that run, also given to its retries; null: 202 (no reply in time). */
    reply: doc.reply
      ? {
          status: doc.reply.status,
          headers: doc.reply.headers,
          body: doc.reply.body,
          runId: doc.reply.runId.toHexString(),
          nodeId: doc.reply.nodeId,
          repliedAt: doc.reply.repliedAt,
        }
      : null,
  };
}

export function deliveryRunView(
  doc: Pick<RunDoc, '_id' | 'scenarioId' | 'status' | 'trigger' | 'createdAt' | 'finishedAt'>,
) {
  return {
    id: doc._id.toHexString(),
    scenarioId: doc.scenarioId.toHexString(),
    status: doc.status,
    kind: doc.trigger.kind,
    createdAt: doc.createdAt,
    finishedAt: doc.finishedAt ?? null,
  };
}

/** A run with its steps (outputs, errors, timings) and the version it is pinned to. */
export function runView(
  doc: RunDoc,
  version: Pick<ScenarioVersionDoc, '_id' | 'version' | 'publishedAt'> | null,
) {
  return {
    id: doc._id.toHexString(),
    workspaceId: doc.workspaceId.toHexString(),
    scenarioId: doc.scenarioId.toHexString(),
    scenarioVersionId: doc.scenarioVersionId.toHexString(),
    version: doc.version,
    /** The published version the run executes (it never changes during the run). */
    scenarioVersion: version
      ? { id: version._id.toHexString(), version: version.version, publishedAt: version.publishedAt }
      : null,
    trigger: runTriggerView(doc.trigger),
    correlationId: doc.correlationId,
    input: doc.input ?? null,
    status: doc.status,
    /** A queued run that may not start yet: the flow control stage it waits in. */
    waitingFor: doc.waitingFor ?? null,
    flow: runFlowView(doc.flow),
    searchKeys: searchKeysView(doc.searchKeys),
    steps: (doc.steps ?? []).map(stepView),
    error: doc.error ?? null,
    cancelRequested: doc.cancelRequested ?? false,
    createdAt: doc.createdAt,
    startedAt: doc.startedAt ?? null,
    finishedAt: doc.finishedAt ?? null,
    durationMs:
      doc.startedAt && doc.finishedAt
        ? Math.max(0, doc.finishedAt.getTime() - doc.startedAt.getTime())
        : null,
    /** When a waiting run (retry backoff or delay) resumes. */
    resumeAt: doc.resumeAt ?? null,
    /** When retention removed the steps' outputs and input summaries (null: they are kept). */
    outputsPrunedAt: doc.outputsPrunedAt ?? null,
    /** The run whose scenario call started this one (null for runs started otherwise). */
    parent: runParentView(doc.parent),
    /**
     * The failure handler this failed run started: its run (`pending` until created; `error` when
     * it could not start), or null.
     */
    failureHandler: doc.failureHandler
      ? {
          scenarioId: doc.failureHandler.scenarioId.toHexString(),
          runId: doc.failureHandler.pending || doc.failureHandler.error ? null : doc.failureHandler.runId.toHexString(),
          pending: doc.failureHandler.pending,
          error: doc.failureHandler.error ?? null,
        }
      : null,
    updatedAt: doc.updatedAt,
  };
}
