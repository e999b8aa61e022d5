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
  { $project: { operationType: 1, 'fullDocument._id': 1, 'fullDocument.status': 1 } },
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
    { _id: { $in: [...runIds] }, status: 'queued' },
    claimUpdate(options.owner, options.leaseMs, now),
    { sort: { _id: 1 }, returnDocument: 'after' },
  ) as Promise<RunDoc | null>;
}

/** Ids of queued runs, oldest first: what a runner catches up on when it (re)starts listening. */
export async function findQueuedRunIds(models: Models, limit: number): Promise<Types.ObjectId[]> {
  const rows = await models.Run.find({ status: 'queued' }, { _id: 1 })
    .sort({ _id: 1 })
    .limit(limit)
    .lean<{ _id: Types.ObjectId }[]>()
    .exec();
  return rows.map((row) => row._id);
}
