import type { BulkJobDoc } from '@weft/db';

/** A bulk job as the API shows it: what it selects and does, where it stands. */
export function bulkJobView(doc: BulkJobDoc) {
  const { spec } = doc;
  const processed = doc.counts.done + doc.counts.skipped + doc.counts.failed;
  return {
    id: doc._id.toHexString(),
    kind: spec.kind,
    filter: spec.filter,
    /** Replays only: where each replay starts and which version it runs. */
    options: spec.kind === 'replay' ? { from: spec.from, version: spec.version } : null,
    status: doc.status,
    /** What the filter selected (items created after the job are not); null until processing starts. */
    total: doc.total,
    counts: doc.counts,
    processed,
    /** The latest reasons items were skipped or failed. */
    problems: doc.problems.map((p) => ({
      sourceId: p.sourceId.toHexString(),
      outcome: p.outcome,
      message: p.message,
    })),
    createdBy: doc.createdBy,
    createdAt: doc.createdAt,
    startedAt: doc.startedAt,
    finishedAt: doc.finishedAt,
  };
}
