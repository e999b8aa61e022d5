import { MongoBackend, MongoChangeStreamNotificationChannel } from '@agendajs/mongo-backend';
import { Agenda } from 'agenda';
import type { Database } from './connection.js';

/** The one Agenda job name for runs; its data is `{ runId }`. */
export const RUN_JOB = 'run.execute';
export const JOBS_COLLECTION = 'agendaJobs';

export interface RunJobData {
  runId: string;
}

export interface QueueOptions {
  /** Shown in Agenda's lock fields: which process holds a job. */
  name: string;
  /** Poll interval; with notifications on, new jobs are picked up sooner than this. */
  processEveryMs?: number;
  maxConcurrency?: number;
  /** How long a job stays locked to a process that stopped renewing it. */
  lockLifetimeMs?: number;
  /** Wake processors through a change stream on the jobs collection as jobs are saved. */
  notifications?: boolean;
}

/**
 * Agenda over Weft's database. The api only enqueues with it; runners also process. Finished
 * jobs are removed: a run's state lives in the runs collection, not in its job.
 */
export function createQueue(database: Database, options: QueueOptions): Agenda {
  const db = database.connection.db;
  if (!db) throw new Error('the database connection is not open');
  return new Agenda({
    name: options.name,
    backend: new MongoBackend({ mongo: db, collection: JOBS_COLLECTION }),
    processEvery: options.processEveryMs ?? 1_000,
    maxConcurrency: options.maxConcurrency ?? 20,
    defaultLockLifetime: options.lockLifetimeMs ?? 60_000,
    removeOnComplete: true,
    ...(options.notifications
      ? { notificationChannel: new MongoChangeStreamNotificationChannel({ db, collection: JOBS_COLLECTION }) }
      : {}),
  });
}

/**
 * Adds a job that runs the run now or at `when`. Always a plain insert: an insert wakes the
 * runners through the notification channel (the embedded server emits no change event for the
 * upserts behind Agenda's `unique()`), and it never touches a job a runner is processing. A
 * duplicate job is harmless: the run's compare-and-set claim lets only one runner execute it.
 */
export async function scheduleRun(queue: Agenda, runId: string, when?: Date): Promise<void> {
  if (!when || when.getTime() <= Date.now()) await queue.now<RunJobData>(RUN_JOB, { runId });
  else await queue.schedule<RunJobData>(when, RUN_JOB, { runId });
}

/** Our index on Agenda's collection: the sweeper looks up the jobs of a run. */
export async function ensureQueueIndexes(database: Database): Promise<void> {
  const db = database.connection.db;
  if (!db) throw new Error('the database connection is not open');
  await db.collection(JOBS_COLLECTION).createIndex({ name: 1, 'data.runId': 1 });
  // Retention finds jobs that are over by their last finish.
  await db.collection(JOBS_COLLECTION).createIndex({ lastFinishedAt: 1, _id: 1 });
}
