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
 * Schedules the run's job now or at `when`. One job per run: scheduling again moves the existing
 * job (a retry or a durable wait) instead of adding a second one.
 */
export async function scheduleRun(queue: Agenda, runId: string, when: Date = new Date()): Promise<void> {
  await queue
    .create<RunJobData>(RUN_JOB, { runId })
    .unique({ name: RUN_JOB, 'data.runId': runId })
    .schedule(when)
    .save();
}

/** Makes sure the run has a job, leaving an existing one as it is (the sweeper's repair). */
export async function ensureRunScheduled(
  queue: Agenda,
  runId: string,
  when: Date = new Date(),
): Promise<void> {
  await queue
    .create<RunJobData>(RUN_JOB, { runId })
    .unique({ name: RUN_JOB, 'data.runId': runId }, { insertOnly: true })
    .schedule(when)
    .save();
}
