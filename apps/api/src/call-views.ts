import type { ChildRunSummaryDoc, RunParentDoc } from '@weft/db';

/** The run that started this one with a scenario call, and from which node. */
export function runParentView(parent: RunParentDoc | null | undefined) {
  if (!parent) return null;
  return {
    runId: parent.runId.toHexString(),
    nodeId: parent.nodeId,
    scenarioId: parent.scenarioId.toHexString(),
    /** Whether the parent waits for this run's end. */
    wait: parent.wait,
  };
}

/** A run this run started with a scenario call: which node started it, and how it stands. */
export function childRunView(doc: ChildRunSummaryDoc) {
  return {
    runId: doc._id.toHexString(),
    nodeId: doc.parent?.nodeId ?? null,
    scenarioId: doc.scenarioId.toHexString(),
    status: doc.status,
    wait: doc.parent?.wait ?? false,
    error: doc.error ?? null,
    createdAt: doc.createdAt,
    finishedAt: doc.finishedAt ?? null,
  };
}
