import type { Types } from 'mongoose';
import type { Models, RunDoc } from '../models.js';

// Small reads of one part of runs, for the runner's and the api's checks; by run id, whose owner
// already scoped the run (a runner holds it, or the caller chose the id).

/** Whether a run with this id exists (a replay's run id is chosen before the run is created). */
export async function runExists(models: Models, runId: Types.ObjectId) {
  return (await models.Run.exists({ _id: runId }).exec()) !== null;
}

/** A run's scenario and flow control: what a final run's concurrency place is released by. */
export function findRunFlow(models: Models, runId: string | Types.ObjectId) {
  return models.Run.findById(runId, { scenarioId: 1, flow: 1 })
    .lean<Pick<RunDoc, '_id' | 'scenarioId' | 'flow'>>()
    .exec();
}

/** Whether cancelling a run was requested (a running run checks now and then). */
export async function isCancelRequested(models: Models, runId: Types.ObjectId) {
  const doc = await models.Run.findById(runId, { cancelRequested: 1 })
    .lean<Pick<RunDoc, 'cancelRequested'>>()
    .exec();
  return doc?.cancelRequested === true;
}

/** The statuses of the runs of `ids` that exist (a delivery's runs, before repairing it). */
export function findRunStatuses(models: Models, runIds: readonly Types.ObjectId[]) {
  return models.Run.find({ _id: { $in: [...runIds] } }, { _id: 1, status: 1 })
    .lean<{ _id: Types.ObjectId; status: string }[]>()
    .exec();
}
