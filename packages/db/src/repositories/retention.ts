import { MAX_FLOW_PERIOD_MS, type Step } from '@weft/core';
import type { Collection, Db, Document } from 'mongodb';
import type { Types } from 'mongoose';
import type { Models } from '../models.js';
import { JOBS_COLLECTION } from '../queue.js';

/** An age and a count limit; null turns that limit off. */
export interface RetentionLimit {
  readonly maxAgeMs: number | null;
  readonly maxCount: number | null;
}

export interface RetentionPolicy {
  /** Run log lines: by age, and at most `maxCount` newest lines per workspace. */
  readonly runLogs: RetentionLimit;
  /**
   * Steps' outputs and input summaries of finished runs: removed by age of the finish, and from
   * every run older than the newest `maxCount` runs of its workspace. The runs themselves stay.
   */
  readonly stepOutputs: RetentionLimit;
  /**
   * Agenda jobs that are over (one-time jobs that failed, or finished and were not removed): by
   * age of their last finish, and at most `maxCount` of them. Dispatched schedule ticks go with
   * the same age (at least a day).
   */
  readonly finishedJobs: RetentionLimit;
}

export interface RetentionOptions {
  readonly now?: Date;
  /** Documents read and deleted or rewritten per round trip. */
  readonly batchSize?: number;
  /** Stop starting new batches after this time (ms since epoch); the next run goes on. */
  readonly deadline?: number;
}

export interface RetentionReport {
  runLogsDeleted: number;
  runsOutputsPruned: number;
  jobsDeleted: number;
  scheduleTicksDeleted: number;
  outboundLimitsDeleted: number;
  /** Flow control state no run needs any more: empty concurrency slots, throttle windows long over. */
  flowStateDeleted: number;
  /** Finished bulk jobs (done or cancelled) removed with their items. */
  bulkJobsDeleted: number;
  /** The deadline cut the work short; what is left is done next time. */
  incomplete: boolean;
}

const DAY = 86_400_000;

interface Batcher {
  readonly batchSize: number;
  /** Whether there is still time for another batch. */
  more(): boolean;
  stopped: boolean;
}

function batcher(options: RetentionOptions): Batcher {
  const state = {
    batchSize: options.batchSize ?? 1_000,
    stopped: false,
    more() {
      if (options.deadline !== undefined && Date.now() >= options.deadline) state.stopped = true;
      return !state.stopped;
    },
  };
  return state;
}

/** Deletes what `filter` matches in batches of ids (no long single delete holding the collection). */
async function deleteInBatches(
  collection: Collection<Document>,
  filter: Record<string, unknown>,
  b: Batcher,
): Promise<number> {
  let deleted = 0;
  while (b.more()) {
    const ids = await collection
      .find(filter, { projection: { _id: 1 } })
      .limit(b.batchSize)
      .map((doc) => doc._id)
      .toArray();
    if (ids.length === 0) break;
    const result = await collection.deleteMany({ _id: { $in: ids } });
    deleted += result.deletedCount;
    if (ids.length < b.batchSize) break;
  }
  return deleted;
}

/** Keyset filter: strictly older than `(time, id)` in (field desc, _id desc) order. */
function olderThan(field: string, time: Date, id: Types.ObjectId) {
  return { $or: [{ [field]: { $lt: time } }, { [field]: time, _id: { $lt: id } }] };
}

function driverDb(models: Models): Db {
  const db = models.Run.db.db;
  if (!db) throw new Error('the database connection is not open');
  return db;
}

async function workspaceIds(models: Models): Promise<Types.ObjectId[]> {
  const rows = await models.Workspace.find({}, { _id: 1 }).lean<{ _id: Types.ObjectId }[]>().exec();
  return rows.map((row) => row._id);
}

export async function pruneRunLogs(models: Models, limit: RetentionLimit, options: RetentionOptions = {}) {
  const now = options.now ?? new Date();
  const b = batcher(options);
  const collection = driverDb(models).collection('runLogs');
  let deleted = 0;
  if (limit.maxAgeMs !== null)
    deleted += await deleteInBatches(
      collection,
      { ts: { $lt: new Date(now.getTime() - limit.maxAgeMs) } },
      b,
    );
  if (limit.maxCount !== null) {
    for (const workspaceId of await workspaceIds(models)) {
      if (!b.more()) break;
      const [boundary] = await collection
        .find({ workspaceId }, { projection: { ts: 1 } })
        .sort({ ts: -1, _id: -1 })
        .skip(limit.maxCount - 1)
        .limit(1)
        .toArray();
      if (!boundary) continue;
      deleted += await deleteInBatches(
        collection,
        { workspaceId, ...olderThan('ts', boundary.ts as Date, boundary._id as Types.ObjectId) },
        b,
      );
    }
  }
  return { deleted, incomplete: b.stopped };
}

/** A step without what it received and produced; status, attempts, error and timings stay. */
function withoutOutput(step: Step): Step {
  const { output: _output, inputSummary: _input, ...kept } = step;
  return kept;
}

async function pruneOutputsMatching(
  models: Models,
  filter: Record<string, unknown>,
  now: Date,
  b: Batcher,
): Promise<number> {
  let pruned = 0;
  const runsCollection = driverDb(models).collection('runs');
  const full = {
    ...filter,
    finishedAt: { $ne: null, ...((filter.finishedAt as object | undefined) ?? {}) },
    outputsPrunedAt: null,
  };
  while (b.more()) {
    const runs = await runsCollection
      .find(full, { projection: { steps: 1 } })
      .limit(b.batchSize)
      .toArray();
    if (runs.length === 0) break;
    const result = await runsCollection.bulkWrite(
      runs.map((run) => ({
        updateOne: {
          // Finished runs are not written by anyone else; the filter keeps this idempotent anyway.
          filter: { _id: run._id, outputsPrunedAt: null },
          update: {
            $set: {
              steps: ((run.steps as Step[] | undefined) ?? []).map(withoutOutput),
              outputsPrunedAt: now,
            },
          },
        },
      })),
      { ordered: false },
    );
    // Loop items are mostly outputs: they go with them (a pruned run cannot be replayed from its failure).
    await models.RunLoopItem.collection.deleteMany({ runId: { $in: runs.map((run) => run._id) } });
    // Fetched pages are outputs too.
    await models.RunHttpPage.collection.deleteMany({ runId: { $in: runs.map((run) => run._id) } });
    // So are the waits of the finished runs: their resolutions are in the steps' outputs.
    await models.RunWait.collection.deleteMany({ runId: { $in: runs.map((run) => run._id) } });
    pruned += result.modifiedCount;
    if (runs.length < b.batchSize) break;
  }
  return pruned;
}

export async function pruneStepOutputs(
  models: Models,
  limit: RetentionLimit,
  options: RetentionOptions = {},
) {
  const now = options.now ?? new Date();
  const b = batcher(options);
  let pruned = 0;
  if (limit.maxAgeMs !== null) {
    pruned += await pruneOutputsMatching(
      models,
      { finishedAt: { $lt: new Date(now.getTime() - limit.maxAgeMs) } },
      now,
      b,
    );
  }
  if (limit.maxCount !== null) {
    for (const workspaceId of await workspaceIds(models)) {
      if (!b.more()) break;
      // The listRuns index (workspaceId, createdAt, _id) finds the boundary.
      const [boundary] = await driverDb(models)
        .collection('runs')
        .find({ workspaceId }, { projection: { createdAt: 1 } })
        .sort({ createdAt: -1, _id: -1 })
        .skip(limit.maxCount - 1)
        .limit(1)
        .toArray();
      if (!boundary) continue;
      pruned += await pruneOutputsMatching(
        models,
        {
          workspaceId,
          ...olderThan('createdAt', boundary.createdAt as Date, boundary._id as Types.ObjectId),
        },
        now,
        b,
      );
    }
  }
  return { pruned, incomplete: b.stopped };
}

/** Jobs that are over: not due again, not locked, finished at some point. */
const FINISHED_JOB = { nextRunAt: null, lockedAt: null, lastFinishedAt: { $ne: null } } as const;

export async function pruneFinishedJobs(
  models: Models,
  limit: RetentionLimit,
  options: RetentionOptions = {},
) {
  const now = options.now ?? new Date();
  const b = batcher(options);
  const jobs = driverDb(models).collection(JOBS_COLLECTION);
  let deleted = 0;
  if (limit.maxAgeMs !== null) {
    const cutoff = new Date(now.getTime() - limit.maxAgeMs);
    deleted += await deleteInBatches(
      jobs,
      { ...FINISHED_JOB, lastFinishedAt: { $ne: null, $lt: cutoff } },
      b,
    );
  }
  if (limit.maxCount !== null && b.more()) {
    const [boundary] = await jobs
      .find(FINISHED_JOB, { projection: { lastFinishedAt: 1 } })
      .sort({ lastFinishedAt: -1, _id: -1 })
      .skip(limit.maxCount - 1)
      .limit(1)
      .toArray();
    if (boundary) {
      deleted += await deleteInBatches(
        jobs,
        {
          ...FINISHED_JOB,
          ...olderThan('lastFinishedAt', boundary.lastFinishedAt as Date, boundary._id as Types.ObjectId),
        },
        b,
      );
    }
  }
  return { deleted, incomplete: b.stopped };
}

/**
 * Dispatched schedule ticks older than `maxAgeMs` (at least a day: a tick is what stops a second
 * runner from firing it again), outbound-limit documents unused for a day, concurrency slots held
 * by no run for a day, and throttle windows not counted in for longer than the longest window
 * (so none of them is still open).
 */
export async function pruneSchedulingState(
  models: Models,
  maxAgeMs: number | null,
  options: RetentionOptions = {},
) {
  const now = options.now ?? new Date();
  const b = batcher(options);
  const age = Math.max(DAY, maxAgeMs ?? 30 * DAY);
  const ticks = await deleteInBatches(
    driverDb(models).collection('scheduleTicks'),
    { tickAt: { $lt: new Date(now.getTime() - age) }, dispatchedAt: { $ne: null } },
    b,
  );
  const limits = b.more()
    ? (await models.OutboundLimit.deleteMany({ updatedAt: { $lt: new Date(now.getTime() - DAY) } }))
        .deletedCount
    : 0;
  // A slot deleted while an admitter works on it is harmless: the admitter's compare-and-set finds
  // no document and it creates the slot again.
  const slots = b.more()
    ? (await models.FlowSlot.deleteMany({ holders: { $size: 0 }, updatedAt: { $lt: new Date(now.getTime() - DAY) } }))
        .deletedCount
    : 0;
  const windows = b.more()
    ? (
        await models.FlowWindow.deleteMany({
          updatedAt: { $lt: new Date(now.getTime() - MAX_FLOW_PERIOD_MS - DAY) },
        })
      ).deletedCount
    : 0;
  return { ticks, limits, flow: slots + windows, incomplete: b.stopped };
}

/**
 * Bulk jobs that finished (done or cancelled) longer ago than `maxAgeMs` (the finished jobs' age,
 * at least a day), and their items: the items go first, so a job is never left half-deleted
 * without them being found again by the next run.
 */
export async function pruneBulkJobs(models: Models, maxAgeMs: number | null, options: RetentionOptions = {}) {
  const now = options.now ?? new Date();
  const b = batcher(options);
  const before = new Date(now.getTime() - Math.max(DAY, maxAgeMs ?? 30 * DAY));
  let deleted = 0;
  while (b.more()) {
    const ids = (
      await models.BulkJob.collection
        .find({ status: { $in: ['done', 'cancelled'] }, finishedAt: { $lt: before } }, { projection: { _id: 1 } })
        .limit(b.batchSize)
        .toArray()
    ).map((doc) => doc._id);
    if (ids.length === 0) break;
    await models.BulkJobItem.collection.deleteMany({ jobId: { $in: ids } });
    deleted += (await models.BulkJob.collection.deleteMany({ _id: { $in: ids } })).deletedCount;
    if (ids.length < b.batchSize) break;
  }
  return { deleted, incomplete: b.stopped };
}

/** Applies the whole policy once (the runner's recurring retention job). */
export async function applyRetention(
  models: Models,
  policy: RetentionPolicy,
  options: RetentionOptions = {},
): Promise<RetentionReport> {
  const logs = await pruneRunLogs(models, policy.runLogs, options);
  const outputs = await pruneStepOutputs(models, policy.stepOutputs, options);
  const jobs = await pruneFinishedJobs(models, policy.finishedJobs, options);
  const scheduling = await pruneSchedulingState(models, policy.finishedJobs.maxAgeMs, options);
  const bulk = await pruneBulkJobs(models, policy.finishedJobs.maxAgeMs, options);
  return {
    runLogsDeleted: logs.deleted,
    runsOutputsPruned: outputs.pruned,
    jobsDeleted: jobs.deleted,
    scheduleTicksDeleted: scheduling.ticks,
    outboundLimitsDeleted: scheduling.limits,
    flowStateDeleted: scheduling.flow,
    bulkJobsDeleted: bulk.deleted,
    incomplete:
      logs.incomplete || outputs.incomplete || jobs.incomplete || scheduling.incomplete || bulk.incomplete,
  };
}
