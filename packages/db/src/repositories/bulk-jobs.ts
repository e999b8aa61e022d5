import type { Collection } from 'mongodb';
import type { Types } from 'mongoose';
import { isDuplicateKeyError, newObjectId, toObjectId } from '../ids.js';
import { afterCursor, type Page, toPage } from '../pagination.js';
import { deliveryFilterQuery } from './deliveries.js';
import { runFilterQuery } from './run-reads.js';
import type { BulkItemOutcome, BulkJobDoc, BulkJobItemDoc, BulkJobSpec, Models } from '../models.js';

/** Items have string ids (`<jobId>:<sourceId>`): the driver's collection typed as such. */
function items(models: Models): Collection<BulkJobItemDoc> {
  return models.BulkJobItem.collection as unknown as Collection<BulkJobItemDoc>;
}

/** A job keeps the reasons of this many skipped or failed items (the latest). */
export const MAX_BULK_PROBLEMS = 50;

export async function createBulkJob(
  models: Models,
  job: { workspaceId: Types.ObjectId; spec: BulkJobSpec; createdBy: string },
  now = new Date(),
): Promise<BulkJobDoc> {
  const doc: BulkJobDoc = {
    _id: newObjectId(),
    workspaceId: job.workspaceId,
    spec: job.spec,
    status: 'queued',
    total: null,
    counts: { done: 0, skipped: 0, failed: 0 },
    cursor: null,
    leaseOwner: null,
    leaseExpiresAt: null,
    problems: [],
    createdBy: job.createdBy,
    createdAt: now,
    startedAt: null,
    finishedAt: null,
    updatedAt: now,
  };
  await models.BulkJob.collection.insertOne(doc);
  return doc;
}

export function findBulkJob(models: Models, workspaceId: Types.ObjectId, id: string) {
  return models.BulkJob.findOne({ _id: toObjectId(id, 'id'), workspaceId })
    .lean<BulkJobDoc>()
    .exec();
}

/** The workspace's bulk jobs, newest first. */
export async function listBulkJobs(
  models: Models,
  query: { workspaceId: Types.ObjectId; kind?: BulkJobSpec['kind']; limit: number; cursor?: string | null },
): Promise<Page<BulkJobDoc>> {
  const rows = await models.BulkJob.find({
    workspaceId: query.workspaceId,
    ...(query.kind ? { 'spec.kind': query.kind } : {}),
    ...afterCursor('createdAt', query.cursor),
  })
    .sort({ createdAt: -1, _id: -1 })
    .limit(query.limit + 1)
    .lean<BulkJobDoc[]>()
    .exec();
  return toPage(rows, query.limit, (row) => row.createdAt);
}

/**
 * Takes a job to process under this owner's lease: a queued one, or a running one whose lease
 * expired (its process died). A compare-and-set: of several processes, exactly one gets a job.
 */
export function claimBulkJob(
  models: Models,
  options: { owner: string; leaseMs: number; now?: Date },
): Promise<BulkJobDoc | null> {
  const now = options.now ?? new Date();
  return models.BulkJob.collection.findOneAndUpdate(
    {
      $or: [{ status: 'queued' }, { status: 'running', leaseExpiresAt: { $lte: now } }],
    },
    {
      $set: {
        status: 'running',
        leaseOwner: options.owner,
        leaseExpiresAt: new Date(now.getTime() + options.leaseMs),
        updatedAt: now,
      },
    },
    { sort: { createdAt: 1, _id: 1 }, returnDocument: 'after' },
  ) as unknown as Promise<BulkJobDoc | null>;
}

/** What only the lease holder of a running job may write; false when it no longer holds it (or the job was cancelled). */
async function updateHeld(
  models: Models,
  job: Pick<BulkJobDoc, '_id'>,
  owner: string,
  update: Record<string, unknown>,
): Promise<boolean> {
  const result = await models.BulkJob.collection.updateOne(
    { _id: job._id, status: 'running', leaseOwner: owner },
    update,
  );
  return result.matchedCount > 0;
}

/** Records the selection's size as processing starts (only the first time). */
export function setBulkJobTotal(
  models: Models,
  job: BulkJobDoc,
  owner: string,
  total: number,
  now = new Date(),
) {
  return updateHeld(models, job, owner, { $set: { total, startedAt: job.startedAt ?? now, updatedAt: now } });
}

/**
 * Saves progress after a batch and extends the lease: the cursor (the last item processed) and
 * the counts, read from the job's items (so a crash between an item and this write loses no count).
 */
export async function saveBulkJobProgress(
  models: Models,
  job: Pick<BulkJobDoc, '_id'>,
  owner: string,
  progress: {
    cursor: BulkJobDoc['cursor'];
    problems: readonly BulkJobDoc['problems'][number][];
    leaseMs: number;
  },
  now = new Date(),
): Promise<boolean> {
  const counts = await countBulkItems(models, job._id);
  return updateHeld(models, job, owner, {
    $set: {
      cursor: progress.cursor,
      counts,
      leaseExpiresAt: new Date(now.getTime() + progress.leaseMs),
      updatedAt: now,
    },
    ...(progress.problems.length > 0
      ? { $push: { problems: { $each: [...progress.problems], $slice: -MAX_BULK_PROBLEMS } } }
      : {}),
  });
}

/** Hands a running job back (its holder is stopping): another process may take it over at once. */
export function releaseBulkJob(
  models: Models,
  job: Pick<BulkJobDoc, '_id'>,
  owner: string,
  now = new Date(),
) {
  return updateHeld(models, job, owner, { $set: { leaseExpiresAt: now, updatedAt: now } });
}

export async function finishBulkJob(
  models: Models,
  job: Pick<BulkJobDoc, '_id'>,
  owner: string,
  now = new Date(),
) {
  const counts = await countBulkItems(models, job._id);
  return updateHeld(models, job, owner, {
    $set: { status: 'done', counts, finishedAt: now, leaseOwner: null, leaseExpiresAt: null, updatedAt: now },
  });
}

/**
 * Cancels a queued or running job: its holder stops at its next batch (its writes no longer
 * match). Items already processed stay processed. False when the job had finished.
 */
export async function cancelBulkJob(
  models: Models,
  workspaceId: Types.ObjectId,
  id: Types.ObjectId,
  now = new Date(),
) {
  const result = await models.BulkJob.collection.updateOne(
    { _id: id, workspaceId, status: { $in: ['queued', 'running'] } },
    {
      $set: { status: 'cancelled', finishedAt: now, leaseOwner: null, leaseExpiresAt: null, updatedAt: now },
    },
  );
  return result.matchedCount > 0;
}

export async function countBulkItems(models: Models, jobId: Types.ObjectId): Promise<BulkJobDoc['counts']> {
  const [done, skipped, failed] = await Promise.all(
    (['done', 'skipped', 'failed'] as const).map((outcome) =>
      items(models).countDocuments({ jobId, outcome }),
    ),
  );
  return { done: done!, skipped: skipped!, failed: failed! };
}

/**
 * Records an item of a job once: the first call stores it (with the runs it is to create) and
 * gets it back as `created`; any later call, by any process, gets the stored record, so the
 * runs it plans are the ones created, whoever comes back to it.
 */
export async function recordBulkItem(
  models: Models,
  item: Omit<BulkJobItemDoc, '_id' | 'createdAt'>,
  now = new Date(),
): Promise<{ created: boolean; item: BulkJobItemDoc }> {
  const doc: BulkJobItemDoc = {
    ...item,
    _id: `${item.jobId.toHexString()}:${item.sourceId.toHexString()}`,
    createdAt: now,
  };
  try {
    await items(models).insertOne(doc);
    return { created: true, item: doc };
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    const existing = await models.BulkJobItem.findById(doc._id).lean<BulkJobItemDoc>().exec();
    if (!existing) throw error;
    return { created: false, item: existing };
  }
}

/**
 * Whether the job itself created this run. Its selection ends at the job's creation, so this only
 * matters where clocks disagree: a process whose clock is behind could date a replay before it.
 */
export async function isBulkJobRun(
  models: Models,
  jobId: Types.ObjectId,
  runId: Types.ObjectId,
): Promise<boolean> {
  return (await items(models).countDocuments({ jobId, 'planned.runId': runId }, { limit: 1 })) > 0;
}

/** Settles a pending item (its runs exist now, or it failed); a settled item stays as it is. */
export async function settleBulkItem(
  models: Models,
  id: string,
  outcome: Exclude<BulkItemOutcome, 'pending'>,
  message: string | null = null,
) {
  await items(models).updateOne({ _id: id, outcome: 'pending' }, { $set: { outcome, message } });
}

/**
 * What a job selects: its filter, capped at the job's creation (the runs it creates itself, and
 * anything newer, are never selected), in (time, id) order after its cursor.
 */
function selection(
  job: Pick<BulkJobDoc, 'workspaceId' | 'spec' | 'createdAt'>,
  cursor: BulkJobDoc['cursor'],
) {
  const field = job.spec.kind === 'replay' ? 'createdAt' : 'receivedAt';
  const filter =
    job.spec.kind === 'replay'
      ? runFilterQuery({
          workspaceId: job.workspaceId,
          ...job.spec.filter,
          scenarioId: job.spec.filter.scenarioId
            ? toObjectId(job.spec.filter.scenarioId, 'scenarioId')
            : undefined,
        })
      : deliveryFilterQuery({
          workspaceId: job.workspaceId,
          ...job.spec.filter,
          appId: job.spec.filter.appId ? toObjectId(job.spec.filter.appId, 'appId') : undefined,
        });
  const after = cursor
    ? [{ $or: [{ [field]: { $gt: cursor.time } }, { [field]: cursor.time, _id: { $gt: cursor.id } }] }]
    : [];
  return { field, query: { $and: [filter, { [field]: { $lt: job.createdAt } }, ...after] } };
}

function sourceModel(models: Models, job: Pick<BulkJobDoc, 'spec'>) {
  return (job.spec.kind === 'replay' ? models.Run : models.WebhookDelivery) as unknown as Models['Run'];
}

/** How many items the job selects in all. */
export function countBulkSources(
  models: Models,
  job: Pick<BulkJobDoc, 'workspaceId' | 'spec' | 'createdAt'>,
) {
  return sourceModel(models, job).countDocuments(selection(job, null).query).exec();
}

/** The next `limit` items after the job's cursor: ids and the time the cursor moves on by. */
export async function nextBulkSources(
  models: Models,
  job: Pick<BulkJobDoc, 'workspaceId' | 'spec' | 'createdAt' | 'cursor'>,
  limit: number,
): Promise<{ id: Types.ObjectId; time: Date }[]> {
  const { field, query } = selection(job, job.cursor);
  const rows = await sourceModel(models, job)
    .find(query, { [field]: 1 })
    .sort({ [field]: 1, _id: 1 })
    .limit(limit)
    .lean<Record<string, unknown>[]>()
    .exec();
  return rows.map((row) => ({ id: row._id as Types.ObjectId, time: row[field] as Date }));
}

/** One item of a bulk job by its id (`<jobId>:<sourceId>`). */
export function findBulkItem(models: Models, id: string) {
  return models.BulkJobItem.findById(id).lean<BulkJobItemDoc>().exec();
}
