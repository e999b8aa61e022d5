import { setTimeout as sleep } from 'node:timers/promises';
import {
  countLockedJobs,
  createQueue,
  ensureQueueIndexes,
  findRunFlow,
  RUN_JOB,
  type RunJobData,
  scheduleRun,
  VersionCache,
} from '@weft/db';
import type { Agenda } from 'agenda';
import { Types } from 'mongoose';
import { startFlowAdmitter } from './claiming/flow-admitter.js';
import { CoalescingChangeStreamChannel } from './claiming/notifications.js';
import { OAuth2TokenSource } from './execution/oauth2-tokens.js';
import { OutboundLimiter } from './execution/outbound-limiter.js';
import { observeWorker, recordRunResult } from './observability/metrics.js';
import { type ProcessRunDeps, type ProcessRunResult, processRun as processRunUnmetered } from './execution/process-run.js';
import { RETENTION_JOB, type RetentionJobOptions, runRetention } from './maintenance/retention.js';
import { startRunFeed } from './claiming/run-feed.js';
import { Scheduler } from './maintenance/scheduler.js';
import { SWEEP_JOB, sweepOnce } from './maintenance/sweeper.js';

/** Results after which a run is final. */
const FINAL_RESULTS: ReadonlySet<ProcessRunResult['status']> = new Set(['succeeded', 'failed', 'dead', 'cancelled']);

/** `processRun`, with every result counted in the metrics (metrics.ts). */
async function processRun(...args: Parameters<typeof processRunUnmetered>): Promise<ProcessRunResult> {
  const result = await processRunUnmetered(...args);
  recordRunResult(result);
  return result;
}

export interface WorkerOptions {
  /** Runs executed at once by this process (Agenda maxConcurrency and the run job's concurrency). */
  readonly concurrency: number;
  /** Agenda's poll interval: the fallback for pickup, and how soon scheduled resumes are seen. */
  readonly processEveryMs: number;
  /** Run lease, also the lock lifetime of run jobs: both are renewed together while a run executes. */
  readonly leaseMs: number;
  /** On stop, how long running runs may still finish before they are aborted and released. */
  readonly shutdownGraceMs: number;
  /** Wake on new jobs through a change stream on the jobs collection (default true). */
  readonly notifications?: boolean;
  /** The recurring sweep; `false` leaves sweeping to other runners. */
  readonly sweep?: { readonly everyMs: number; readonly afterMs: number } | false;
  /** Fire `trigger.schedule` scenarios (scheduler.ts); absent or `false`: this runner fires none. */
  readonly schedules?: { readonly refreshEveryMs: number; readonly clock?: () => Date } | false;
  /** The recurring retention job (retention.ts); absent or `false`: this runner prunes nothing. */
  readonly retention?: (RetentionJobOptions & { readonly everyMs: number }) | false;
  /** Claim new runs from the run-insert stream (run-feed.ts; default true); `false`: Agenda jobs only. */
  readonly feed?: boolean;
  /** How often the flow admitter looks for waiting runs it heard nothing of (flow-admitter.ts). */
  readonly flowScanEveryMs?: number;
}

export interface Worker {
  readonly queue: Agenda;
  /** Runs executing now. */
  inFlight(): number;
  /**
   * Graceful stop: no new jobs; running runs get `shutdownGraceMs` to finish, then are aborted at
   * their step (the engine's signal) and released as queued with a job due now. Resolves once
   * they are handed back and Agenda has released their jobs. Does not close the database.
   */
  stop(): Promise<void>;
}

export type WorkerDeps = Omit<ProcessRunDeps, 'queue' | 'leaseMs' | 'versions'>;

/**
 * An Agenda worker executing `run.execute` jobs with `processRun`.
 *
 * Pickup: every job insert reaches every runner through Agenda's change-stream notification
 * channel (the devdb contract tests show it works on the embedded server for inserts, which is
 * how `scheduleRun` enqueues), so an idle runner starts a new job within milliseconds; bursts are
 * coalesced (notifications.ts). The poll (`processEveryMs`) backs that up, picks up jobs whose
 * insert was missed, and brings scheduled resumes forward. Each runner locks at
 * most twice its concurrency: enough buffered work to hide the lock round trip, not so much that
 * one runner hoards a burst while another idles.
 */
export async function startWorker(deps: WorkerDeps, options: WorkerOptions): Promise<Worker> {
  const logger = deps.logger;
  await ensureQueueIndexes(deps.db);
  const queue = createQueue(deps.db, {
    name: deps.owner,
    processEveryMs: options.processEveryMs,
    maxConcurrency: options.concurrency + 1,
    lockLifetimeMs: options.leaseMs,
    notifications: false,
  });
  if (options.notifications ?? true)
    queue.notifyVia(new CoalescingChangeStreamChannel(deps.db.connection.db!));
  const runLockLimit = options.concurrency * 2;
  queue.lockLimit(runLockLimit + 1);
  queue.on('error', (error: Error) => logger.error({ err: error }, 'queue error'));

  const shutdown = new AbortController();
  const runDeps: ProcessRunDeps = {
    outbound: new OutboundLimiter(deps.db.models, { horizonMs: deps.engine?.maxInlineWaitMs ?? 5_000 }),
    oauth2: new OAuth2TokenSource({
      models: deps.db.models,
      keyring: deps.keyring,
      http: deps.http,
      owner: deps.owner,
    }),
    ...deps,
    queue,
    leaseMs: options.leaseMs,
    versions: new VersionCache(),
  };
  // Runs of flow-controlled scenarios wait until the admitter lets them go (flow-admitter.ts);
  // it offers them to the feed (or, without one, gives them a job).
  const admitter = startFlowAdmitter(
    { db: deps.db, logger },
    {
      offer: (run) => {
        if (feed) feed.offer(run.workspaceId.toHexString(), run.id.toHexString());
        else
          void scheduleRun(queue, run.id.toHexString()).catch((error: unknown) =>
            logger.warn({ err: error }, 'could not schedule an admitted run; the sweeper will'),
          );
      },
      ...(options.flowScanEveryMs === undefined ? {} : { scanEveryMs: options.flowScanEveryMs }),
    },
  );
  /** A run of this runner is final: a concurrency place it held goes to the next run of its key. */
  const settledFlow = async (runId: string) => {
    const run = await findRunFlow(deps.db.models, runId)
      // Unread, the admitter's scan still hands the place on.
      .catch(() => null);
    if (run) admitter.settled(run);
  };
  let feed: ReturnType<typeof startRunFeed> | undefined;

  const inFlight = new Set<Promise<ProcessRunResult | undefined>>();
  /** Ids of the jobs whose handler is running, for the shutdown's wait on Agenda's bookkeeping. */
  const activeJobIds = new Set<string>();
  // The feed and Agenda's run jobs share `concurrency` run slots (Agenda's own limit does not see
  // the feed's runs). The feed takes a slot before it claims; a run job waits here for one.
  let slotsTaken = 0;
  let accepting = true;
  const slotWaiters: (() => void)[] = [];
  const slotFree = (): boolean => accepting && slotsTaken < options.concurrency;
  const takeSlot = (): boolean => {
    if (!slotFree()) return false;
    slotsTaken++;
    return true;
  };
  const releaseSlot = (): void => {
    slotsTaken--;
    slotWaiters.shift()?.();
  };
  /** Resolves true with a slot taken, or false when the runner is stopping (the run stays queued). */
  const waitForSlot = async (): Promise<boolean> => {
    while (!takeSlot()) {
      if (!accepting) return false;
      await new Promise<void>((resolve) => slotWaiters.push(resolve));
    }
    return true;
  };
  /** Runs a task in the slot taken for it; the slot frees when it ends. */
  const inSlot = <T extends Promise<ProcessRunResult | undefined>>(task: T): T => {
    inFlight.add(task);
    void task.finally(() => {
      inFlight.delete(task);
      releaseSlot();
    });
    return task;
  };

  queue.define<RunJobData>(
    RUN_JOB,
    async (job) => {
      const runId = job.attrs.data?.runId;
      if (typeof runId !== 'string' || !/^[0-9a-f]{24}$/i.test(runId)) {
        logger.warn({ data: job.attrs.data }, 'run job without a valid runId; dropped');
        return;
      }
      const jobId = String(job.attrs._id);
      activeJobIds.add(jobId);
      try {
        // Stopping: the run stays as it is; another runner's catch-up or the sweep takes it.
        if (!(await waitForSlot())) return;
        const task = processRun(runDeps, runId, {
          signal: shutdown.signal,
          keepAlive: () => job.touch(),
        })
          .then((result) => {
            // A job knows only the run's id: one read by id says whether it held a place.
            if (FINAL_RESULTS.has(result.status)) void settledFlow(runId);
            return result;
          })
          .catch((error: unknown) => {
            // Only the claim can throw (the database is unreachable): the run keeps its state and the
            // sweeper gives it a new job.
            logger.error({ err: error, runId }, 'could not claim the run');
            return undefined;
          });
        await inSlot(task);
      } finally {
        activeJobIds.delete(jobId);
      }
    },
    { concurrency: options.concurrency, lockLimit: runLockLimit, lockLifetime: options.leaseMs },
  );

  if (options.sweep) {
    const sweep = options.sweep;
    queue.define(
      SWEEP_JOB,
      async () => {
        const report = await sweepOnce(
          { db: deps.db, queue, logger },
          { afterMs: sweep.afterMs, jobLockLifetimeMs: options.leaseMs },
        );
        if (report.deliveriesDispatched + report.runsScheduled + report.deliveryRepairsFailed > 0)
          logger.info(report, 'sweep repaired');
      },
      { concurrency: 1, lockLimit: 1, lockLifetime: Math.max(30_000, sweep.everyMs * 2) },
    );
  }

  const retention = options.retention;
  if (retention) {
    queue.define(RETENTION_JOB, async () => void (await runRetention({ db: deps.db, logger }, retention)), {
      concurrency: 1,
      lockLimit: 1,
      lockLifetime: Math.max(60_000, retention.maxDurationMs * 2),
    });
  }

  await queue.start();
  if (options.sweep) await queue.every(options.sweep.everyMs, SWEEP_JOB);
  if (retention) await queue.every(retention.everyMs, RETENTION_JOB);
  const scheduler = options.schedules
    ? new Scheduler(
        {
          db: deps.db,
          queue,
          logger,
          versions: runDeps.versions!,
          ...(options.schedules.clock ? { clock: options.schedules.clock } : {}),
        },
        { refreshEveryMs: options.schedules.refreshEveryMs },
      )
    : undefined;
  scheduler?.start();

  // New runs come without a job: the feed claims them (run-feed.ts). Agenda runs the rest.
  feed =
    options.feed === false
      ? undefined
      : startRunFeed(
          { db: deps.db, logger, owner: deps.owner, leaseMs: options.leaseMs },
          {
            takeSlot,
            releaseSlot,
            hasSlot: slotFree,
            execute: (run) => {
              const task = processRun(runDeps, run._id.toHexString(), {
                signal: shutdown.signal,
                claimed: run,
              })
                .then((result) => {
                  if (run.flow?.concurrency && FINAL_RESULTS.has(result.status)) admitter.settled(run);
                  return result;
                })
                .catch((error: unknown) => {
                  logger.error({ err: error, runId: run._id.toHexString() }, 'run failed unexpectedly');
                  return undefined;
                });
              return inSlot(task);
            },
            waiting: (group) => admitter.notice(group),
          },
        );
  observeWorker({ db: deps.db, inFlight: () => inFlight.size, feedBacklog: () => feed?.backlog() ?? 0 });

  let stopping: Promise<void> | undefined;
  async function stop(): Promise<void> {
    accepting = false;
    for (const wake of slotWaiters.splice(0)) wake();
    await feed?.stop();
    await admitter.stop();
    await scheduler?.stop();
    // Agenda stops polling and listening, and unlocks the jobs it locked but has not started.
    await queue.stop(false).catch((error: unknown) => logger.warn({ err: error }, 'queue stop failed'));
    const jobIds = [...activeJobIds];
    const settled = () => Promise.allSettled([...inFlight]);
    if (inFlight.size > 0) {
      logger.info({ running: inFlight.size, graceMs: options.shutdownGraceMs }, 'waiting for running runs');
      await Promise.race([settled(), sleep(options.shutdownGraceMs)]);
    }
    if (inFlight.size > 0) {
      logger.info({ running: inFlight.size }, 'aborting running runs; they are released to the queue');
      shutdown.abort(new Error('the runner is shutting down'));
      await Promise.race([settled(), sleep(15_000)]);
    }
    await waitForJobBookkeeping(deps, jobIds);
  }

  return {
    queue,
    inFlight: () => inFlight.size,
    stop: () => {
      stopping ??= stop();
      return stopping;
    },
  };
}

/**
 * After the last handler returned, Agenda still saves each job unlocked (and removes it). Waits a
 * little for that, so closing the database right after does not leave a job locked by this
 * process for another runner to wait out.
 */
async function waitForJobBookkeeping(deps: WorkerDeps, jobIds: readonly string[], timeoutMs = 3_000) {
  if (jobIds.length === 0) return;
  const ids = jobIds.filter((id) => Types.ObjectId.isValid(id)).map((id) => new Types.ObjectId(id));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const locked = await countLockedJobs(deps.db, ids).catch(() => 0);
    if (locked === 0) return;
    await sleep(25);
  }
  deps.logger.warn(
    'some jobs were still locked at shutdown; other runners take them after the lock lifetime',
  );
}
