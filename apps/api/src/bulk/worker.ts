import {
  type BulkJobDoc,
  claimBulkJob,
  countBulkSources,
  finishBulkJob,
  nextBulkSources,
  releaseBulkJob,
  saveBulkJobProgress,
  setBulkJobTotal,
} from '@weft/db';
import type { ApiDeps } from '../deps.js';
import type { ObjectId } from '../ids.js';
import { type ItemResult, redeliverItem, replayItem } from './items.js';

export interface BulkWorkerOptions {
  /** Names this process in the job's lease. */
  readonly owner: string;
  /** How long a job stays with this process without a saved batch; then another may take it over. */
  readonly leaseMs: number;
  /** Items per batch: progress (cursor, counts) is saved and the lease renewed after each. */
  readonly batchSize: number;
  /** How often an idle worker looks for a job. */
  readonly pollMs: number;
}

export const DEFAULT_BULK_WORKER_OPTIONS: Omit<BulkWorkerOptions, 'owner'> = {
  leaseMs: 60_000,
  batchSize: 20,
  pollMs: 1_000,
};

function processItem(deps: ApiDeps, job: BulkJobDoc, sourceId: ObjectId): Promise<ItemResult> {
  return job.spec.kind === 'replay'
    ? replayItem(deps, job as BulkJobDoc & { spec: { kind: 'replay' } }, sourceId)
    : redeliverItem(deps, job as BulkJobDoc & { spec: { kind: 'redeliver' } }, sourceId);
}

/**
 * Processes one job to its end, batch by batch from its cursor, while this process holds it.
 * Returns once the job is done, or cancelled, or its lease was lost (the next holder goes on
 * from the saved cursor; items it meets again were recorded once and are not replayed twice),
 * or `stopping()` says so after a batch: the job is then handed back for another process.
 */
export async function processBulkJob(
  deps: ApiDeps,
  job: BulkJobDoc,
  options: BulkWorkerOptions,
  stopping: () => boolean = () => false,
): Promise<void> {
  const { models } = deps.database;
  const log = deps.logger.child({ bulkJobId: job._id.toHexString(), kind: job.spec.kind });
  if (job.total === null) {
    const total = await countBulkSources(models, job);
    if (!(await setBulkJobTotal(models, job, options.owner, total, deps.clock()))) return;
    log.info({ total }, 'bulk job started');
  }
  let cursor = job.cursor;
  for (;;) {
    const batch = await nextBulkSources(models, { ...job, cursor }, options.batchSize);
    if (batch.length === 0) {
      if (await finishBulkJob(models, job, options.owner, deps.clock())) log.info('bulk job done');
      return;
    }
    const problems: BulkJobDoc['problems'] = [];
    for (const source of batch) {
      const result = await processItem(deps, job, source.id);
      if (result.outcome === 'skipped' || result.outcome === 'failed') {
        problems.push({ sourceId: source.id, outcome: result.outcome, message: result.message });
      }
    }
    const last = batch.at(-1)!;
    cursor = { time: last.time, id: last.id };
    const held = await saveBulkJobProgress(
      models,
      job,
      options.owner,
      { cursor, problems, leaseMs: options.leaseMs },
      deps.clock(),
    );
    if (!held) {
      log.info('bulk job stopped: cancelled, or taken over by another process');
      return;
    }
    if (stopping()) {
      await releaseBulkJob(models, job, options.owner, deps.clock());
      log.info('bulk job handed back: this process is stopping');
      return;
    }
  }
}

/**
 * The api's background processor of bulk jobs: it takes one job at a time (a lease on the job
 * document, so two processes never process the same job) and processes it, then looks for the
 * next. Every api process runs one; a job whose process died is taken over once its lease expires.
 */
export class BulkWorker {
  private timer: NodeJS.Timeout | null = null;
  private active: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly deps: ApiDeps,
    private readonly options: BulkWorkerOptions,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops looking for jobs; the job being processed is handed back after its current batch. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.active;
  }

  /** Takes and processes jobs until none is waiting; true when it processed at least one. */
  async drain(): Promise<boolean> {
    let any = false;
    for (;;) {
      if (this.stopped) return any;
      const job = await claimBulkJob(this.deps.database.models, {
        owner: this.options.owner,
        leaseMs: this.options.leaseMs,
        now: this.deps.clock(),
      });
      if (!job) return any;
      any = true;
      await processBulkJob(this.deps, job, this.options, () => this.stopped);
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.active = this.drain()
        .then(() => undefined)
        .catch((error: unknown) => {
          this.deps.logger.warn({ err: error }, 'bulk job processing failed; trying again later');
        })
        .finally(() => {
          this.active = null;
          this.schedule(this.options.pollMs);
        });
    }, delayMs);
    this.timer.unref();
  }
}
