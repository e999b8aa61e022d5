import type { Types } from 'mongoose';
import type { Database } from '../connection.js';
import { JOBS_COLLECTION, RUN_JOB } from '../queue.js';

// Reads of the queue's job documents (Agenda's collection), for health, metrics, sweeps and shutdown.

function jobs(db: Database) {
  const handle = db.connection.db;
  if (!handle) throw new Error('the database connection is not open');
  return handle.collection(JOBS_COLLECTION);
}

/** Answers when the server does: a ping, failing when the connection is not open. */
export async function pingDatabase(db: Database): Promise<void> {
  const handle = db.connection.db;
  if (!handle) throw new Error('the database connection is not open');
  await handle.command({ ping: 1 });
}

/** Reads one job document: the queue's collection answers (the api's health check). */
export async function pingJobs(db: Database): Promise<void> {
  await jobs(db).findOne({}, { projection: { _id: 1 } });
}

/** How many of the jobs of `ids` are still locked by a runner. */
export async function countLockedJobs(db: Database, ids: readonly Types.ObjectId[]): Promise<number> {
  return jobs(db).countDocuments({ _id: { $in: [...ids] }, lockedAt: { $ne: null } });
}

/** Jobs due at `now` and not locked, counted by job name. */
export async function countDueJobsByName(db: Database, now: Date): Promise<{ _id: string; n: number }[]> {
  return jobs(db)
    .aggregate<{ _id: string; n: number }>([
      { $match: { nextRunAt: { $lte: now }, lockedAt: null, disabled: { $ne: true } } },
      { $group: { _id: '$name', n: { $sum: 1 } } },
    ])
    .toArray();
}

/**
 * Which of `runIds` have a live run job: one due (or due later: `nextRunAt`), or one a runner
 * holds under an unexpired lock. Finished or failed job documents Agenda left behind (no
 * `nextRunAt`, no lock) do not count.
 */
export async function runIdsWithLiveJobs(
  db: Database,
  runIds: readonly string[],
  lockLifetimeMs: number,
  now: Date,
): Promise<Set<string>> {
  if (runIds.length === 0) return new Set();
  const found = await jobs(db)
    .find(
      {
        name: RUN_JOB,
        'data.runId': { $in: [...runIds] },
        disabled: { $ne: true },
        $or: [
          { lockedAt: null, nextRunAt: { $ne: null } },
          { lockedAt: { $gt: new Date(now.getTime() - lockLifetimeMs) } },
        ],
      },
      { projection: { 'data.runId': 1 } },
    )
    .toArray();
  return new Set(found.map((job) => String((job.data as { runId?: unknown } | undefined)?.runId)));
}
