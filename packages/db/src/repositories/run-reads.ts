import type { RunStatus, SearchFilter } from '@weft/core';
import type { Types } from 'mongoose';
import { toObjectId } from '../ids.js';
import { afterCursor, type Page, toPage } from '../pagination.js';
import type { Models, RunDoc } from '../models.js';

// A run's reads: one run, lists and changes for the api, and the small reads of one part of a run.
// Its life (creation, claims, lease, steps, end, release) is run-life.ts.

export function findRun(models: Models, workspaceId: Types.ObjectId, runId: string | Types.ObjectId) {
  return models.Run.findOne({ _id: toObjectId(runId, 'runId'), workspaceId })
    .lean<RunDoc>()
    .exec();
}

export interface ListRunsQuery {
  workspaceId: Types.ObjectId;
  scenarioId?: Types.ObjectId;
  status?: RunStatus;
  correlationId?: string;
  from?: Date;
  to?: Date;
  search?: SearchFilter;
  limit: number;
  cursor?: string | null;
}

/** The stored-run filter of a runs list (and of a bulk replay's selection). */
export function runFilterQuery(query: Omit<ListRunsQuery, 'limit' | 'cursor'>): Record<string, unknown> {
  const createdAt: Record<string, Date> = {};
  if (query.from) createdAt.$gte = query.from;
  if (query.to) createdAt.$lt = query.to;
  return {
    workspaceId: query.workspaceId,
    ...(query.scenarioId ? { scenarioId: query.scenarioId } : {}),
    ...(query.status ? { status: query.status } : {}),
    ...(query.correlationId ? { correlationId: query.correlationId } : {}),
    ...(query.from || query.to ? { createdAt } : {}),
    ...(query.search
      ? { searchKeys: { $elemMatch: { name: query.search.name, value: query.search.value } } }
      : {}),
  };
}

/** What a runs list shows: no input, steps or outputs (those come with the run itself). */
export type RunSummaryDoc = Pick<
  RunDoc,
  | '_id'
  | 'scenarioId'
  | 'scenarioVersionId'
  | 'version'
  | 'trigger'
  | 'correlationId'
  | 'status'
  | 'error'
  | 'createdAt'
  | 'startedAt'
  | 'finishedAt'
  | 'waitingFor'
  | 'searchKeys'
>;

/** Newest first, keyset-paginated by (createdAt, _id). */
export async function listRuns(models: Models, query: ListRunsQuery): Promise<Page<RunSummaryDoc>> {
  const rows = await models.Run.find(
    { ...runFilterQuery(query), ...afterCursor('createdAt', query.cursor) },
    {
      scenarioId: 1,
      scenarioVersionId: 1,
      version: 1,
      trigger: 1,
      correlationId: 1,
      status: 1,
      error: 1,
      createdAt: 1,
      startedAt: 1,
      finishedAt: 1,
      waitingFor: 1,
      searchKeys: 1,
    },
  )
    .sort({ createdAt: -1, _id: -1 })
    .limit(query.limit + 1)
    .lean<RunSummaryDoc[]>()
    .exec();
  return toPage(rows, query.limit, (row) => row.createdAt);
}

/** What a run-status listener needs: no input, outputs or errors. */
export type RunChangeDoc = Pick<RunDoc, '_id' | 'workspaceId' | 'scenarioId' | 'status' | 'updatedAt'> & {
  steps: Pick<RunDoc['steps'][number], 'nodeId' | 'status' | 'attempts'>[];
};

export const RUN_CHANGE_PROJECTION = {
  workspaceId: 1,
  scenarioId: 1,
  status: 1,
  updatedAt: 1,
  'steps.nodeId': 1,
  'steps.status': 1,
  'steps.attempts': 1,
} as const;

/**
 * Runs of every workspace updated at or after `since`, oldest change first: the polling side of
 * a run-status feed (where change streams are unavailable). Callers dedupe what they have seen.
 */
export function listRunChangesSince(models: Models, since: Date, limit = 500) {
  return models.Run.find({ updatedAt: { $gte: since } }, RUN_CHANGE_PROJECTION)
    .sort({ updatedAt: 1, _id: 1 })
    .limit(limit)
    .lean<RunChangeDoc[]>()
    .exec();
}

/** Status summaries of a workspace's runs by id (a delivery's runs, a run's replays). */
export function findRunSummaries(
  models: Models,
  workspaceId: Types.ObjectId,
  runIds: readonly Types.ObjectId[],
) {
  return models.Run.find(
    { workspaceId, _id: { $in: [...runIds] } },
    { scenarioId: 1, status: 1, trigger: 1, createdAt: 1, finishedAt: 1 },
  )
    .sort({ createdAt: 1, _id: 1 })
    .lean<Pick<RunDoc, '_id' | 'scenarioId' | 'status' | 'trigger' | 'createdAt' | 'finishedAt'>[]>()
    .exec();
}

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
