import type { FlowStage, RunStatus } from '@weft/core';
import type { Types } from 'mongoose';
import type { Models } from '../models.js';

// Reads over all workspaces' runs: the runner's sweep and its metrics, never a tenant's view.

/**
 * Runs that may have lost their job, at most `limit` of each kind: queued and waiting for no flow
 * stage since before `stale`, waiting past their resume time since before `stale`, and running
 * under a lease that expired by `now`.
 */
export async function findStrayRunIds(
  models: Models,
  stale: Date,
  now: Date,
  limit: number,
): Promise<Types.ObjectId[]> {
  const strays = await Promise.all([
    // A run waiting for its flow stage is the flow admitter's, not a stray.
    models.Run.find({ status: 'queued', waitingFor: null, updatedAt: { $lt: stale } }, { _id: 1 })
      .sort({ updatedAt: 1 })
      .limit(limit)
      .lean<{ _id: Types.ObjectId }[]>()
      .exec(),
    models.Run.find({ status: 'waiting', resumeAt: { $lt: stale } }, { _id: 1 })
      .limit(limit)
      .lean<{ _id: Types.ObjectId }[]>()
      .exec(),
    models.Run.find({ status: 'running', leaseExpiresAt: { $lt: now } }, { _id: 1 })
      .limit(limit)
      .lean<{ _id: Types.ObjectId }[]>()
      .exec(),
  ]);
  return strays.flat().map((run) => run._id);
}

export function countRunsWithStatus(models: Models, status: RunStatus) {
  return models.Run.countDocuments({ status }).exec();
}

/** Queued runs held in a flow control stage. */
export function countRunsWaitingFor(models: Models, stage: FlowStage) {
  return models.Run.countDocuments({ waitingFor: stage, status: 'queued' }).exec();
}

/** When the oldest queued run was last updated; null when none is queued. */
export async function oldestQueuedRunAt(models: Models): Promise<Date | null> {
  const oldest = await models.Run.findOne({ status: 'queued' }, { updatedAt: 1 })
    .sort({ status: 1, updatedAt: 1 })
    .lean<{ updatedAt?: Date }>()
    .exec();
  return oldest?.updatedAt ?? null;
}
