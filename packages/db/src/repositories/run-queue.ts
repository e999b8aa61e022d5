import type { Types } from 'mongoose';
import type { Models, RunDoc } from '../models.js';
import { claimUpdate } from './runs.js';

/**
 * The runs collection as the queue of runs due now. A run is created `queued`; runners hear of it
 * through a change stream on run inserts (`RUN_INSERTS_PIPELINE`) and claim it directly, without
 * an Agenda job per run (apps/runner/src/claiming/run-feed.ts). Agenda keeps what is due later: resumes of
 * waiting runs, released runs, schedules, sweeps.
 */

/** Change-stream pipeline on `runs`: inserts only, and of each only what a runner needs to claim. */
export const RUN_INSERTS_PIPELINE = [
  { $match: { operationType: 'insert' } },
  {
    $project: {
      operationType: 1,
      'fullDocument._id': 1,
      'fullDocument.status': 1,
      'fullDocument.workspaceId': 1,
      'fullDocument.waitingFor': 1,
      // A waiting run goes to the flow admitter, which needs its group.
      'fullDocument.scenarioId': 1,
      'fullDocument.flow': 1,
    },
  },
] as const;

export interface QueuedClaimOptions {
  readonly owner: string;
  readonly leaseMs: number;
  readonly now?: Date;
}

/**
 * Claims one `queued` run among `runIds` (oldest id first) for `owner`: the same compare-and-set as
 * `claimRun` (`queued` → `running` under a lease), so concurrent claimers of one run get it once.
 * Several claimers can share one list of candidates: each gets a different run. Null when none of
 * them is queued any more.
 */
export function claimQueuedRun(
  models: Models,
  runIds: readonly Types.ObjectId[],
  options: QueuedClaimOptions,
): Promise<RunDoc | null> {
  const now = options.now ?? new Date();
  return models.Run.collection.findOneAndUpdate(
    { _id: { $in: [...runIds] }, status: 'queued', waitingFor: null },
    claimUpdate(options.owner, options.leaseMs, now),
    { sort: { _id: 1 }, returnDocument: 'after' },
  ) as Promise<RunDoc | null>;
}

export interface QueuedRunRef {
  readonly id: Types.ObjectId;
  readonly workspaceId: Types.ObjectId;
}

/**
 * Queued runs to catch up on when a runner (re)starts listening, at most `limit`: the oldest of
 * every workspace with queued runs, the limit shared among them, so a workspace with a backlog of
 * thousands does not fill the page and hide another's single run.
 */
export async function findQueuedRuns(models: Models, limit: number): Promise<QueuedRunRef[]> {
  const workspaces = (await models.Run.distinct('workspaceId', { status: 'queued', waitingFor: null })) as Types.ObjectId[];
  if (workspaces.length === 0) return [];
  const chosen = workspaces.slice(0, limit);
  const perWorkspace = Math.max(1, Math.ceil(limit / chosen.length));
  const pages = await Promise.all(
    chosen.map((workspaceId) =>
      models.Run.find({ workspaceId, status: 'queued', waitingFor: null }, { _id: 1, workspaceId: 1 })
        .sort({ createdAt: 1, _id: 1 })
        .limit(perWorkspace)
        .lean<{ _id: Types.ObjectId; workspaceId: Types.ObjectId }[]>()
        .exec(),
    ),
  );
  return pages.flat().map((row) => ({ id: row._id, workspaceId: row.workspaceId }));
}
