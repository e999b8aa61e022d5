import {
  type Database,
  findPendingFailureHandlers,
  findRunStatuses,
  findStrayRunIds,
  findUndispatchedDeliveries,
  markDeliveryDispatched,
  offerDeliveryToWaits,
  recordDeliveryRepairFailure,
  resumeParentOf,
  resumeRunOfWait,
  runIdsWithLiveJobs,
  scheduleRun,
  unresumedChildRuns,
  unresumedRunWaits,
} from '@weft/db';
import type { Agenda } from 'agenda';
import type { WebhookDeliveryDoc } from '@weft/db';
import type { Types } from 'mongoose';
import type { Logger } from 'pino';
import { recreateDeliveryRuns } from './delivery-recovery.js';
import { startFailureHandler } from '../execution/failure-handler.js';

/** Failed repairs of one delivery before the sweeper quarantines it. */
export const DEFAULT_DELIVERY_REPAIR_ATTEMPTS = 5;

/** The recurring Agenda job that sweeps: Agenda's lock lets one runner at a time run it. */
export const SWEEP_JOB = 'runner.sweep';

export interface SweepDeps {
  readonly db: Database;
  readonly queue: Agenda;
  readonly logger: Logger;
}

export interface SweepOptions {
  /** Only what has been stuck for longer than this is repaired (the api and runners get that long). */
  readonly afterMs: number;
  /** The lock lifetime of run jobs: a job locked longer ago than this belongs to a dead runner. */
  readonly jobLockLifetimeMs: number;
  /** At most this many deliveries, and runs of each kind, per sweep. */
  readonly limit?: number;
  /** Failed repairs of one delivery before it is quarantined (default 5). */
  readonly deliveryRepairAttempts?: number;
  readonly now?: Date;
}

export interface SweepReport {
  readonly deliveriesDispatched: number;
  /** Deliveries whose repair threw this sweep (each on its own: the others and the later repairs go on). */
  readonly deliveryRepairsFailed: number;
  /** Of those, the ones that failed for the last allowed time and are now quarantined. */
  readonly deliveriesQuarantined: number;
  readonly runsCreated: number;
  readonly runsScheduled: number;
  /** Waiting parents resumed for a called run that ended without resuming them. */
  readonly parentsResumed: number;
  /** Waiting runs woken for a wait (an approval) that was resumed without waking them. */
  readonly waitsResumed: number;
  /** Failed runs whose pending failure handler this sweep started. */
  readonly failureHandlersStarted: number;
}

async function scheduleOrphans(
  deps: SweepDeps,
  runIds: readonly string[],
  options: SweepOptions,
  now: Date,
): Promise<string[]> {
  const live = await runIdsWithLiveJobs(deps.db, runIds, options.jobLockLifetimeMs, now);
  const orphans = runIds.filter((id) => !live.has(id));
  // A plain insert per run (scheduleRun): it wakes the runners through the change stream. Should a
  // job appear meanwhile, the duplicate is harmless: the run's compare-and-set claim decides.
  for (const runId of orphans) await scheduleRun(deps.queue, runId);
  return orphans;
}

/**
 * One sweep, repairing what a crash can leave behind (each repair is idempotent, so two sweeps
 * racing do no harm beyond a duplicate job, which the run claim makes a no-op):
 *
 * 1. Deliveries accepted but not dispatched for `afterMs`: runs that exist get a job if they have
 *    none; run ids without a run are recreated from the delivery's `plannedRuns` (see
 *    delivery-recovery.ts); it is offered to the event waits of its app again; then the delivery
 *    is marked dispatched. Each delivery in its own try/catch: a failed repair is counted on the
 *    delivery, and after `deliveryRepairAttempts` failures it is quarantined (left alone).
 * 2. `queued` runs not updated for `afterMs` without a live job → a job now.
 * 3. `waiting` runs whose `resumeAt` passed more than `afterMs` ago without a live job → a job now
 *    (a runner died between releasing the run and scheduling its resume).
 * 4. `running` runs whose lease expired (their runner died) without a live job → a job now; the
 *    claim takes the run over and it resumes after its last succeeded step.
 * 5. Called runs that ended more than `afterMs` ago and have not resumed their waiting parent (the
 *    runner died in between, or the parent was still running then) → the parent is resumed now.
 * 6. Final runs whose failure handler is still `pending` after `afterMs` (the runner died between
 *    the final write and creating the handler run) → the handler run, with the id already stored.
 */
/** Repairs one undispatched delivery (step 1 of `sweepOnce`); returns the runs created and scheduled. */
async function repairDelivery(
  deps: SweepDeps,
  delivery: WebhookDeliveryDoc,
  options: SweepOptions,
  now: Date,
): Promise<{ created: number; scheduled: number }> {
  const { models } = deps.db;
  const existing = await findRunStatuses(models, delivery.runIds);
  const existingIds = new Set(existing.map((run) => run._id.toHexString()));
  const missing = delivery.runIds.filter((id) => !existingIds.has(id.toHexString()));
  let created: Types.ObjectId[] = [];
  if (missing.length > 0) created = await recreateDeliveryRuns(models, delivery, missing, deps.logger);
  const toSchedule = [
    ...existing.filter((run) => run.status === 'queued').map((run) => run._id.toHexString()),
    ...created.map((id) => id.toHexString()),
  ];
  const scheduled = (await scheduleOrphans(deps, toSchedule, options, now)).length;
  // The api offers a delivery to the event waits of its app before marking it dispatched.
  await offerDeliveryToWaits(models, deps.queue, delivery);
  await markDeliveryDispatched(models, delivery._id, now);
  deps.logger.warn(
    { deliveryId: delivery._id.toHexString(), created: created.length, runIds: toSchedule },
    'sweeper: dispatched an interrupted delivery',
  );
  return { created: created.length, scheduled };
}

export async function sweepOnce(deps: SweepDeps, options: SweepOptions): Promise<SweepReport> {
  const { models } = deps.db;
  const now = options.now ?? new Date();
  const limit = options.limit ?? 200;
  const stale = new Date(now.getTime() - options.afterMs);
  let runsCreated = 0;
  let runsScheduled = 0;

  const deliveries = await findUndispatchedDeliveries(models, options.afterMs, limit, now);
  let deliveriesDispatched = 0;
  let deliveryRepairsFailed = 0;
  let deliveriesQuarantined = 0;
  // Each delivery on its own: one that cannot be repaired (a document the database refuses to turn
  // into runs) must not stop the deliveries after it, nor the repairs below, sweep after sweep.
  for (const delivery of deliveries) {
    try {
      const repaired = await repairDelivery(deps, delivery, options, now);
      runsCreated += repaired.created;
      runsScheduled += repaired.scheduled;
      deliveriesDispatched += 1;
    } catch (error) {
      deliveryRepairsFailed += 1;
      // Kept on the delivery for the delivery list: bounded, a driver's message can quote the document.
      const message = (error instanceof Error ? error.message : String(error)).slice(0, 1_000);
      const log = deps.logger.child({ deliveryId: delivery._id.toHexString() });
      try {
        const failure = await recordDeliveryRepairFailure(
          models,
          delivery._id,
          message,
          options.deliveryRepairAttempts ?? DEFAULT_DELIVERY_REPAIR_ATTEMPTS,
          now,
        );
        if (failure.quarantined) deliveriesQuarantined += 1;
        log.error(
          { err: error, attempts: failure.attempts, quarantined: failure.quarantined },
          failure.quarantined
            ? 'sweeper: quarantined a delivery it failed to repair too often'
            : 'sweeper: could not repair a delivery; it is tried again next sweep',
        );
      } catch (recordError) {
        log.error({ err: error, recordError }, 'sweeper: could not repair a delivery nor count the failure');
      }
    }
  }

  const strays = await findStrayRunIds(models, stale, now, limit);
  const candidates = [...new Set(strays.map((id) => id.toHexString()))];
  const orphans = await scheduleOrphans(deps, candidates, options, now);
  if (orphans.length > 0) deps.logger.warn({ runIds: orphans }, 'sweeper: scheduled runs that had no job');
  runsScheduled += orphans.length;

  let parentsResumed = 0;
  for (const child of await unresumedChildRuns(models, stale, limit)) {
    if ((await resumeParentOf(models, deps.queue, child)) !== 'resumed') continue;
    parentsResumed += 1;
    deps.logger.warn(
      { childRunId: child._id.toHexString(), parentRunId: child.parent?.runId.toHexString() },
      'sweeper: resumed a run whose called run had ended',
    );
  }
  let waitsResumed = 0;
  for (const wait of await unresumedRunWaits(models, stale, limit)) {
    if ((await resumeRunOfWait(models, deps.queue, wait)) !== 'resumed') continue;
    waitsResumed += 1;
    deps.logger.warn(
      { waitId: wait._id, runId: wait.runId.toHexString() },
      'sweeper: woke a run whose wait had been resumed',
    );
  }
  const pendingHandlers = await findPendingFailureHandlers(models, options.afterMs, limit, now);
  for (const run of pendingHandlers) {
    await startFailureHandler(deps, run._id, deps.logger.child({ runId: run._id.toHexString() }));
  }
  if (pendingHandlers.length > 0)
    deps.logger.warn({ runIds: pendingHandlers.map((run) => run._id.toHexString()) }, 'sweeper: started pending failure handlers');
  return {
    deliveriesDispatched,
    deliveryRepairsFailed,
    deliveriesQuarantined,
    runsCreated,
    runsScheduled,
    parentsResumed,
    waitsResumed,
    failureHandlersStarted: pendingHandlers.length,
  };
}
