import {
  claimQueuedRun,
  type Database,
  findQueuedRuns,
  type FlowGroup,
  flowGroupOf,
  RUN_INSERTS_PIPELINE,
  type RunChangeStream,
  type RunDoc,
  watchRuns,
} from '@weft/db';
import { Types } from 'mongoose';
import type { Logger } from 'pino';
import { recordPickup } from '../observability/metrics.js';
import { FairPending } from './fair-pending.js';

export interface RunFeedDeps {
  readonly db: Database;
  readonly logger: Logger;
  /** This runner's name: the lease owner of the runs it claims. */
  readonly owner: string;
  readonly leaseMs: number;
}

export interface RunFeedOptions {
  /**
   * Takes one of the runner's run slots if one is free (shared with Agenda's run jobs). The feed
   * takes a slot before it claims: a claim that finds no run gives it back with `releaseSlot`.
   */
  readonly takeSlot: () => boolean;
  readonly releaseSlot: () => void;
  /** Whether a slot is free now (without taking it). */
  readonly hasSlot: () => boolean;
  /** Executes a run this feed claimed, in the slot taken for it, and frees the slot when done. */
  readonly execute: (run: RunDoc) => Promise<unknown>;
  /** While idle, how often queued runs are looked up in case a notification was missed (default 30 s). */
  readonly pollEveryMs?: number;
  /** Candidates per claim: claimers sharing a list each get a different run of it (default 16). */
  readonly claimBatch?: number;
  /** Queued runs read per catch-up (default 1000). */
  readonly catchUpLimit?: number;
  /** A run inserted waiting for a flow stage (not claimable yet): hand its group to the flow admitter. */
  readonly waiting?: (group: FlowGroup) => void;
}

export interface RunFeed {
  /** Try to start runs now (capacity may have been freed by work this feed does not see). */
  wake(): void;
  /** Runs heard of and not yet claimed (by anyone, as far as this runner knows). */
  backlog(): number;
  /** A queued run to claim that this feed did not hear inserted (the flow admitter let it go). */
  offer(workspaceId: string, runId: string): void;
  /** Stops claiming and listening; runs already started keep going (the worker waits for them). */
  stop(): Promise<void>;
}

/**
 * Pickup of new runs without an Agenda job per run. Every runner listens to run inserts (a change
 * stream, `RUN_INSERTS_PIPELINE`) and keeps the ids per workspace; while it has capacity it
 * claims with one compare-and-set (`claimQueuedRun`: the first of up to `claimBatch` candidates
 * still `queued`), the candidates taken from each workspace in turn (fair-pending.ts). Runners
 * sharing a batch get different runs; a candidate another runner took is dropped after one answer
 * naming none of the batch.
 *
 * What is not heard of is still found: once the stream has started (at start and after every
 * reopening) the queued runs are read (catch-up, `catchUpLimit` at a time, shared among the
 * workspaces with queued runs: a full page is followed
 * by the next as soon as it is claimed, so a backlog found at start drains at full speed), and
 * while idle that read repeats every `pollEveryMs`. The sweeper, unchanged, gives any run queued
 * for longer than its window an Agenda job. Exactly-once
 * is the claim's, as before: a run is executed only by the runner whose compare-and-set took it.
 */
export function startRunFeed(deps: RunFeedDeps, options: RunFeedOptions): RunFeed {
  const { models } = deps.db;
  const log = deps.logger.child({ component: 'run-feed' });
  const claimBatch = options.claimBatch ?? 16;
  const catchUpLimit = options.catchUpLimit ?? 1_000;
  const pollEveryMs = options.pollEveryMs ?? 30_000;
  /** Run ids heard of and not claimed, per workspace, handed out in turns (fair-pending.ts). */
  const pending = new FairPending();
  let claiming = 0;
  let stopped = false;
  let stream: RunChangeStream | undefined;
  let reopenTimer: ReturnType<typeof setTimeout> | undefined;
  let lastCatchUp = 0;
  /** The last catch-up read a full page: more queued runs wait, read them once these are claimed. */
  let moreQueued = false;
  let catchingUp: Promise<void> | undefined;

  const claimOne = async (batch: ReturnType<FairPending['nextBatch']>) => {
    let run: RunDoc | null = null;
    try {
      run = await claimQueuedRun(
        models,
        batch.runIds.map((id) => new Types.ObjectId(id)),
        { owner: deps.owner, leaseMs: deps.leaseMs },
      );
    } catch (error) {
      // The database is unreachable: keep the candidates, try again on the next tick.
      options.releaseSlot();
      log.warn({ err: error }, 'could not claim queued runs; will retry');
      await new Promise((resolve) => setTimeout(resolve, 500).unref());
      return;
    }
    if (!run) {
      options.releaseSlot();
      for (const id of batch.runIds) pending.delete(batch.workspaceId, id);
      return;
    }
    pending.delete(batch.workspaceId, run._id.toHexString());
    recordPickup(run);
    void options
      .execute(run)
      .catch(() => undefined)
      .finally(pump);
  };

  function pump(): void {
    // Each claim takes its candidates from the next workspace in turn; claims of one workspace's
    // batch that run at once each take a different run of it.
    while (!stopped && pending.size > 0 && claiming < claimBatch && options.takeSlot()) {
      claiming++;
      void claimOne(pending.nextBatch(claimBatch)).finally(() => {
        claiming--;
        pump();
      });
    }
  }

  const catchUp = (): Promise<void> => {
    catchingUp ??= (async () => {
      lastCatchUp = Date.now();
      try {
        const runs = await findQueuedRuns(models, catchUpLimit);
        moreQueued = runs.length >= catchUpLimit;
        for (const run of runs) pending.add(run.workspaceId.toHexString(), run.id.toHexString());
        pump();
      } catch (error) {
        log.warn({ err: error }, 'could not read queued runs');
      } finally {
        catchingUp = undefined;
      }
    })();
    return catchingUp;
  };

  const open = () => {
    if (stopped) return;
    const watched = watchRuns(models, RUN_INSERTS_PIPELINE);
    stream = watched;
    // Runs inserted before the server-side stream exists are not in it: read the queued runs once
    // the stream has started (the cursor's 'init', after its aggregate), and once more a little
    // later should that event never come.
    let caughtUp = false;
    const afterStart = () => {
      if (caughtUp) return;
      caughtUp = true;
      void catchUp();
    };
    (watched as unknown as { cursor?: NodeJS.EventEmitter }).cursor?.once('init', afterStart);
    setTimeout(afterStart, 2_000).unref();
    watched.on(
      'change',
      (event: {
        operationType?: string;
        fullDocument?: Partial<Pick<RunDoc, '_id' | 'status' | 'workspaceId' | 'scenarioId' | 'flow' | 'waitingFor'>>;
      }) => {
        const id = event.fullDocument?._id;
        if (event.operationType !== 'insert' || !(id instanceof Types.ObjectId)) return;
        if (event.fullDocument?.status !== undefined && event.fullDocument.status !== 'queued') return;
        const { waitingFor, scenarioId, flow } = event.fullDocument ?? {};
        if (waitingFor) {
          const group = scenarioId instanceof Types.ObjectId ? flowGroupOf({ scenarioId, flow }, waitingFor) : null;
          if (group) options.waiting?.(group);
          return;
        }
        const workspaceId = event.fullDocument?.workspaceId;
        pending.add(workspaceId instanceof Types.ObjectId ? workspaceId.toHexString() : '', id.toHexString());
        pump();
      },
    );
    watched.once('error', (error: unknown) => {
      if (stopped) return;
      log.warn({ err: error }, 'run insert stream failed; reopening');
      void watched.close().catch(() => undefined);
      if (stream === watched) stream = undefined;
      reopenTimer = setTimeout(open, 1_000);
      reopenTimer.unref();
    });
  };

  open();
  // Idle: look for queued runs now and then (a missed notification); busy: keep pumping, since
  // capacity also frees up with work this feed does not run (Agenda's jobs).
  const ticker = setInterval(() => {
    if (stopped) return;
    if (pending.size > 0) pump();
    else if (options.hasSlot() && (moreQueued || Date.now() - lastCatchUp >= pollEveryMs)) void catchUp();
  }, 100);
  ticker.unref();

  return {
    wake: pump,
    backlog: () => pending.size,
    offer(workspaceId, runId) {
      if (stopped) return;
      pending.add(workspaceId, runId);
      pump();
    },
    async stop() {
      stopped = true;
      clearInterval(ticker);
      clearTimeout(reopenTimer);
      pending.clear();
      await stream?.close().catch(() => undefined);
      await catchingUp;
      while (claiming > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    },
  };
}
