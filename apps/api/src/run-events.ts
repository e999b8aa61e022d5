import type { RunStatus, StepStatus } from '@weft/core';
import {
  listRunChangesSince,
  type Models,
  type RunChangeDoc,
  type RunChangeStream,
  watchRuns,
} from '@weft/db';
import type { Logger } from 'pino';
import type { ObjectId } from './ids.js';

/** What a run view needs to refresh itself: compact, no outputs or inputs. */
export interface RunChangeEvent {
  readonly runId: string;
  readonly scenarioId: string;
  readonly status: RunStatus;
  readonly steps: readonly {
    readonly nodeId: string;
    readonly status: StepStatus;
    readonly attempts: number;
  }[];
  readonly updatedAt: Date;
}

export interface RunEventFilter {
  readonly workspaceId: string;
  readonly runId?: string | undefined;
  readonly scenarioId?: string | undefined;
}

export type RunEventSource = 'changeStream' | 'poll';

export interface RunEventsOptions {
  /** `auto` (default): a change stream where the server has them, else polling. */
  readonly mode?: 'auto' | RunEventSource;
  /** Polling: how often runs updated since the last look are read. */
  readonly pollIntervalMs?: number;
  /** Polling: how far back each look reaches, for writers whose clocks run a little behind. */
  readonly lookbackMs?: number;
  /** With no subscriber for this long, the watcher stops (it starts again with the next one). */
  readonly idleStopMs?: number;
  /** Events buffered per subscriber (latest per run kept); beyond it the oldest are dropped. */
  readonly maxBufferedRuns?: number;
}

/** One subscriber's events, as an async iterable; `close()` ends it. */
export interface RunFeed extends AsyncIterable<RunChangeEvent> {
  close(): void;
}

interface Subscriber {
  readonly filter: RunEventFilter;
  /** Latest pending event per run, in arrival order of the first pending change. */
  readonly pending: Map<string, RunChangeEvent>;
  wake: (() => void) | null;
  closed: boolean;
}

type RawRun = Pick<RunChangeDoc, 'workspaceId' | 'scenarioId' | 'status' | 'updatedAt'> & {
  _id: ObjectId;
  steps?: readonly { nodeId: string; status: StepStatus; attempts: number }[];
};

const RETRY_STREAM_MS = 1_000;

/**
 * The change stream's pipeline: inserts, updates and replaces, each reduced on the server to
 * what an event is made of (`RunChangeDoc`, what polling reads too). A run's full document
 * carries its input and every step's output (up to 256 KiB each): without this each step write
 * would ship all of it to every api process watching. Fields are computed rather than included
 * by dotted path (`steps.nodeId`), which the embedded server projects wrongly inside arrays; the
 * change's `_id` (its resume token) stays.
 */
const STREAM_PIPELINE = [
  { $match: { operationType: { $in: ['insert', 'update', 'replace'] } } },
  {
    $project: {
      operationType: 1,
      fullDocument: {
        _id: '$fullDocument._id',
        workspaceId: '$fullDocument.workspaceId',
        scenarioId: '$fullDocument.scenarioId',
        status: '$fullDocument.status',
        updatedAt: '$fullDocument.updatedAt',
        steps: {
          $map: {
            input: '$fullDocument.steps',
            as: 'step',
            in: { nodeId: '$$step.nodeId', status: '$$step.status', attempts: '$$step.attempts' },
          },
        },
      },
    },
  },
];

function signature(run: RawRun): string {
  return `${run.status}|${(run.steps ?? []).map((s) => `${s.nodeId}:${s.status}:${s.attempts}`).join(',')}`;
}

/**
 * The api process's one watcher of run and step status changes, shared by every subscription:
 * a change stream on `runs` (`fullDocument: 'updateLookup'`, projected to the fields of an event
 * on the server; only the full document is read, which the embedded server also provides), or, where the server has no change streams (a
 * standalone mongod), polling by `updatedAt`. Changes are reduced to compact events, deduped per
 * run (a lease renewal or a write that changes no status is not an event), and handed to the
 * subscribers of the run's workspace that match their filter. It starts with the first
 * subscriber and stops after a quiet period without any.
 */
export class RunEvents {
  private readonly subscribers = new Set<Subscriber>();
  private readonly seen = new Map<string, { sig: string; at: number }>();
  private source: RunEventSource | null = null;
  private starting: Promise<RunEventSource> | null = null;
  private stream: RunChangeStream | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private pollSince = 0;
  private generation = 0;
  private closed = false;

  constructor(
    private readonly models: Models,
    private readonly logger: Logger,
    private readonly options: RunEventsOptions = {},
  ) {}

  /** Where events come from right now (null while stopped). */
  get mode(): RunEventSource | null {
    return this.source;
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /**
   * Registers a subscriber and resolves once the watcher is running, so every change written
   * after this resolves reaches the feed.
   */
  async subscribe(filter: RunEventFilter): Promise<RunFeed> {
    if (this.closed) throw new Error('the run event watcher is closed');
    const subscriber: Subscriber = { filter, pending: new Map(), wake: null, closed: false };
    this.subscribers.add(subscriber);
    if (this.idleTimer) {
      clearTimeout(this.idleTimer);
      this.idleTimer = null;
    }
    const close = () => {
      if (subscriber.closed) return;
      subscriber.closed = true;
      this.subscribers.delete(subscriber);
      subscriber.wake?.();
      this.scheduleIdleStop();
    };
    try {
      await this.start();
    } catch (error) {
      close();
      throw error;
    }
    return {
      close,
      [Symbol.asyncIterator]: () => ({
        next: async (): Promise<IteratorResult<RunChangeEvent>> => {
          while (!subscriber.closed) {
            const first = subscriber.pending.entries().next();
            if (!first.done) {
              subscriber.pending.delete(first.value[0]);
              return { value: first.value[1], done: false };
            }
            await new Promise<void>((resolve) => {
              subscriber.wake = resolve;
            });
            subscriber.wake = null;
          }
          return { value: undefined, done: true };
        },
        return: async (): Promise<IteratorResult<RunChangeEvent>> => {
          close();
          return { value: undefined, done: true };
        },
      }),
    };
  }

  /** Ends every feed and stops watching (api shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    for (const subscriber of [...this.subscribers]) {
      subscriber.closed = true;
      subscriber.wake?.();
    }
    this.subscribers.clear();
    await this.stop();
  }

  private scheduleIdleStop(): void {
    if (this.subscribers.size > 0 || this.idleTimer || this.source === null) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.subscribers.size === 0) void this.stop();
    }, this.options.idleStopMs ?? 60_000);
    this.idleTimer.unref();
  }

  private start(): Promise<RunEventSource> {
    if (this.source) return Promise.resolve(this.source);
    this.starting ??= this.open().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  private async open(): Promise<RunEventSource> {
    const mode = this.options.mode ?? 'auto';
    const generation = ++this.generation;
    if (mode !== 'poll') {
      try {
        await this.openStream(generation);
        this.source = 'changeStream';
        return this.source;
      } catch (error) {
        if (mode === 'changeStream') throw error;
        this.logger.info(
          { err: error instanceof Error ? error.message : String(error) },
          'change streams unavailable; run events come from polling',
        );
      }
    }
    await this.startPolling(generation);
    this.source = 'poll';
    return this.source;
  }

  private async stop(): Promise<void> {
    this.generation += 1;
    this.source = null;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = null;
    const stream = this.stream;
    this.stream = null;
    this.seen.clear();
    await stream?.close().catch(() => undefined);
  }

  /** Opens the stream and runs its first aggregate (which fails where change streams are missing). */
  private async openStream(generation: number, resumeAfter?: unknown): Promise<void> {
    const stream = watchRuns(this.models, STREAM_PIPELINE, {
      fullDocument: 'updateLookup',
      ...(resumeAfter ? { resumeAfter } : {}),
    });
    let first: unknown;
    try {
      first = await stream.tryNext();
    } catch (error) {
      await stream.close().catch(() => undefined);
      throw error;
    }
    this.stream = stream;
    if (first) this.onStreamEvent(first);
    void this.readStream(stream, generation);
  }

  private onStreamEvent(event: unknown): void {
    const full = (event as { fullDocument?: RawRun | null }).fullDocument;
    if (full) this.handle(full);
  }

  private async readStream(stream: RunChangeStream, generation: number): Promise<void> {
    try {
      for await (const event of stream) {
        if (generation !== this.generation) return;
        this.onStreamEvent(event);
      }
    } catch (error) {
      if (generation !== this.generation || this.closed) return;
      this.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'run change stream failed; reopening',
      );
      const token = stream.resumeToken;
      await stream.close().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, RETRY_STREAM_MS));
      if (generation !== this.generation) return;
      try {
        await this.openStream(generation, token ?? undefined);
      } catch {
        try {
          await this.openStream(generation);
        } catch (reopenError) {
          this.logger.warn(
            { err: reopenError instanceof Error ? reopenError.message : String(reopenError) },
            'run change stream cannot be reopened; falling back to polling',
          );
          this.stream = null;
          await this.startPolling(generation);
          this.source = 'poll';
        }
      }
    }
  }

  private async startPolling(generation: number): Promise<void> {
    const lookback = this.options.lookbackMs ?? 2_000;
    this.pollSince = Date.now() - lookback;
    // The first look only learns what exists: subscribers hear of changes after they subscribed.
    await this.poll(generation, false);
    this.schedulePoll(generation);
  }

  private schedulePoll(generation: number): void {
    if (generation !== this.generation) return;
    this.pollTimer = setTimeout(() => {
      void this.poll(generation, true).finally(() => this.schedulePoll(generation));
    }, this.options.pollIntervalMs ?? 1_000);
    this.pollTimer.unref();
  }

  private async poll(generation: number, emit: boolean): Promise<void> {
    const lookback = this.options.lookbackMs ?? 2_000;
    const limit = 500;
    try {
      for (let page = 0; page < 20; page += 1) {
        const rows = await listRunChangesSince(this.models, new Date(this.pollSince), limit);
        if (generation !== this.generation) return;
        let newest = this.pollSince;
        for (const row of rows) {
          newest = Math.max(newest, row.updatedAt.getTime());
          if (emit) this.handle(row);
          else this.remember(row);
        }
        if (rows.length < limit) {
          this.pollSince = Math.max(this.pollSince, newest - lookback);
          break;
        }
        // A full page: continue from its last change without looking back, or it repeats.
        this.pollSince = Math.max(this.pollSince + 1, newest);
      }
      this.forgetOld(lookback);
    } catch (error) {
      this.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'polling run changes failed',
      );
    }
  }

  private forgetOld(lookback: number): void {
    if (this.seen.size < 10_000) return;
    const horizon = this.pollSince - lookback * 5;
    for (const [runId, entry] of this.seen) if (entry.at < horizon) this.seen.delete(runId);
  }

  /** Records a run's state without emitting; true when it is news. */
  private remember(run: RawRun): boolean {
    const runId = run._id.toHexString();
    const sig = signature(run);
    const at = run.updatedAt instanceof Date ? run.updatedAt.getTime() : 0;
    const previous = this.seen.get(runId);
    if (previous && (previous.sig === sig || at < previous.at)) return false;
    this.seen.set(runId, { sig, at });
    if (this.seen.size > 100_000) this.seen.delete(this.seen.keys().next().value!);
    return true;
  }

  private handle(run: RawRun): void {
    if (!run._id || !run.workspaceId) return;
    if (!this.remember(run)) return;
    const workspaceId = run.workspaceId.toHexString();
    const event: RunChangeEvent = {
      runId: run._id.toHexString(),
      scenarioId: run.scenarioId.toHexString(),
      status: run.status,
      steps: (run.steps ?? []).map((step) => ({
        nodeId: step.nodeId,
        status: step.status,
        attempts: step.attempts,
      })),
      updatedAt: run.updatedAt,
    };
    const maxBuffered = this.options.maxBufferedRuns ?? 1_000;
    for (const subscriber of this.subscribers) {
      const { filter } = subscriber;
      if (filter.workspaceId !== workspaceId) continue;
      if (filter.runId && filter.runId !== event.runId) continue;
      if (filter.scenarioId && filter.scenarioId !== event.scenarioId) continue;
      subscriber.pending.delete(event.runId);
      subscriber.pending.set(event.runId, event);
      if (subscriber.pending.size > maxBuffered)
        subscriber.pending.delete(subscriber.pending.keys().next().value!);
      subscriber.wake?.();
    }
  }
}
