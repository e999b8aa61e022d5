/**
 * What the API shows of stored documents: every field named explicitly, so a field added to a
 * model (or an internal one such as a lease or an encrypted secret) never leaks by accident.
 */
import type { Step } from '@weft/core';
import type { AppDoc, RunDoc, RunLogDoc, ScenarioDoc, ScenarioVersionDoc } from '@weft/db';

export function appView(doc: AppDoc) {
  return {
    id: doc._id.toHexString(),
    workspaceId: doc.workspaceId.toHexString(),
    key: doc.key,
    name: doc.name,
    signature: doc.signature,
    defaultConnectionId: doc.defaultConnectionId?.toHexString() ?? null,
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
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

export function versionView(doc: ScenarioVersionDoc) {
  return {
    id: doc._id.toHexString(),
    scenarioId: doc.scenarioId.toHexString(),
    version: doc.version,
    trigger: doc.trigger,
    publishedAt: doc.publishedAt,
  };
}

function stepView(step: Step) {
  return {
    nodeId: step.nodeId,
    nodeType: step.nodeType,
    status: step.status,
    attempts: step.attempts,
    firedHandles: step.firedHandles ?? null,
    inputSummary: step.inputSummary ?? null,
    output: step.output ?? null,
    outputTruncated: step.outputTruncated ?? false,
    error: step.error ?? null,
    startedAt: step.startedAt ?? null,
    finishedAt: step.finishedAt ?? null,
    durationMs: step.durationMs ?? null,
    resumeAt: step.resumeAt ?? null,
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

export function runView(doc: RunDoc, logs: readonly RunLogDoc[]) {
  return {
    id: doc._id.toHexString(),
    workspaceId: doc.workspaceId.toHexString(),
    scenarioId: doc.scenarioId.toHexString(),
    scenarioVersionId: doc.scenarioVersionId.toHexString(),
    version: doc.version,
    trigger: {
      kind: doc.trigger.kind,
      deliveryId: doc.trigger.deliveryId?.toHexString() ?? null,
      replayOf: doc.trigger.replayOf?.toHexString() ?? null,
    },
    correlationId: doc.correlationId,
    input: doc.input ?? null,
    status: doc.status,
    steps: (doc.steps ?? []).map(stepView),
    error: doc.error ?? null,
    cancelRequested: doc.cancelRequested ?? false,
    createdAt: doc.createdAt,
    startedAt: doc.startedAt ?? null,
    finishedAt: doc.finishedAt ?? null,
    updatedAt: doc.updatedAt,
    logs: logs.map(runLogView),
  };
}
