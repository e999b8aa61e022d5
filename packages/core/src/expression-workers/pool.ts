import { AsyncLocalStorage } from 'node:async_hooks';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { describeJsonataError } from '../expressions/compile.js';
import type { ExpressionEvaluator } from '../expressions/evaluator.js';
import {
  ExpressionError,
  type ExpressionLocation,
  MEMORY_LIMIT_CODE,
  TIMEOUT_CODE,
} from '../expressions/expression-error.js';
import {
  DEFAULT_EXPRESSION_MAX_DEPTH,
  DEFAULT_EXPRESSION_TIMEOUT_MS,
  type EvaluateExpressionOptions,
  type EvaluationOptions,
  type EvaluationScope,
  type ResolveConfigOptions,
} from '../expressions/evaluation-options.js';
import { type EvaluationReply, type EvaluationRequest, WORKER_READY } from './protocol.js';

export interface ExpressionWorkerOptions {
  /** Worker threads kept warm; default: the machine's cores, at least 1 and at most 4. */
  readonly size?: number;
  /** Each worker's heap (V8 old generation) in MiB; past it the worker is ended: `expression_limit`. */
  readonly memoryLimitMb?: number;
  /**
   * How long past an evaluation's time budget its worker is ended. JSONata's own guard usually
   * stops it first, with the position; this is for one built-in call that never returns.
   */
  readonly graceMs?: number;
}

export const DEFAULT_EXPRESSION_WORKER_MEMORY_MB = 256;
const DEFAULT_GRACE_MS = 100;

type Request = EvaluationRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

/** Marks the evaluations made inside `inBackgroundLane` (through every await). */
const lane = new AsyncLocalStorage<'background'>();

/**
 * Runs `work` with its evaluations in the background lane: they wait while other evaluations wait,
 * and never take the pool's last free worker (with two or more). The api runs dry-runs so: a
 * tenant's previews, however slow, leave a worker to trigger filters and event keys.
 */
export function inBackgroundLane<T>(work: () => Promise<T>): Promise<T> {
  return lane.run('background', work);
}

interface Job {
  readonly request: Request;
  readonly background: boolean;
  readonly limits: { readonly timeoutMs: number; readonly maxDepth: number };
  readonly location: ExpressionLocation;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

interface Slot {
  /** Undefined only while a slot whose worker could not start waits to try again. */
  worker: Worker | undefined;
  /** The worker has loaded and waits for requests: a deadline never counts a worker's start. */
  ready: boolean;
  job: (Job & { readonly id: number; readonly timer: NodeJS.Timeout }) | undefined;
}

function limitsOf(options: EvaluationOptions) {
  return {
    timeoutMs: options.timeoutMs ?? DEFAULT_EXPRESSION_TIMEOUT_MS,
    maxDepth: options.maxDepth ?? DEFAULT_EXPRESSION_MAX_DEPTH,
  };
}

/**
 * Warm worker threads evaluating expressions that could stall a process (expressions/evaluator.ts):
 * an evaluation still running `graceMs` past its time budget has its worker terminated (one
 * built-in call, e.g. `$distinct` over a large sequence, is not interrupted by JSONata's guard),
 * and a worker past its memory limit is ended by V8; either way a fresh worker takes its place
 * and the caller gets an `ExpressionError` (`expression_timeout`, `expression_limit`). Each
 * worker evaluates one request at a time; requests beyond the pool's size wait their turn.
 */
export class ExpressionWorkerPool implements ExpressionEvaluator {
  private readonly slots: Slot[] = [];
  private readonly waiting: Job[] = [];
  private readonly waitingInBackground: Job[] = [];
  private readonly memoryLimitMb: number;
  private readonly graceMs: number;
  private nextId = 1;
  private closed = false;

  constructor(options: ExpressionWorkerOptions = {}) {
    const size = Math.max(1, Math.floor(options.size ?? Math.min(4, availableParallelism())));
    this.memoryLimitMb = options.memoryLimitMb ?? DEFAULT_EXPRESSION_WORKER_MEMORY_MB;
    this.graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
    for (let i = 0; i < size; i++) {
      const slot: Slot = { worker: undefined, ready: false, job: undefined };
      this.spawn(slot);
      this.slots.push(slot);
    }
  }

  resolveConfig(config: unknown, scope: EvaluationScope, options: ResolveConfigOptions): Promise<unknown> {
    return this.submit({ kind: 'resolveConfig', config, scope, options }, limitsOf(options), {
      nodeId: options.nodeId,
    });
  }

  evaluateExpression(
    expression: string,
    scope: EvaluationScope,
    options: EvaluateExpressionOptions,
  ): Promise<unknown> {
    return this.submit({ kind: 'evaluateExpression', expression, scope, options }, limitsOf(options), {
      ...(options.nodeId === undefined ? {} : { nodeId: options.nodeId }),
      ...(options.field === undefined ? {} : { field: options.field }),
    });
  }

  /** Ends every worker; evaluations still running or waiting fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of [...this.waiting.splice(0), ...this.waitingInBackground.splice(0)])
      job.reject(new Error('the expression workers were closed'));
    await Promise.all(
      this.slots.map(async (slot) => {
        this.fail(slot, new Error('the expression workers were closed'));
        await slot.worker?.terminate();
      }),
    );
  }

  private submit(request: Request, limits: Job['limits'], location: ExpressionLocation): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('the expression workers were closed'));
    const background = lane.getStore() === 'background';
    return new Promise((resolve, reject) => {
      (background ? this.waitingInBackground : this.waiting).push({
        request,
        limits,
        location,
        background,
        resolve,
        reject,
      });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      const worker = slot.worker;
      if (worker === undefined || !slot.ready || slot.job !== undefined) continue;
      const job = this.waiting.shift() ?? this.nextInBackground();
      if (job === undefined) return;
      const id = this.nextId++;
      const timer = setTimeout(() => this.timeOut(slot, id), job.limits.timeoutMs + this.graceMs);
      slot.job = { ...job, id, timer };
      worker.ref();
      try {
        worker.postMessage({ ...job.request, id });
      } catch (error) {
        // The scope or config cannot be copied to a thread (not plain data).
        this.settle(slot, id, () => job.reject(error));
      }
    }
  }

  /** The next background job, unless it would take the last worker left to the others. */
  private nextInBackground(): Job | undefined {
    const busy = this.slots.filter((slot) => slot.job?.background === true).length;
    if (this.slots.length > 1 && busy >= this.slots.length - 1) return undefined;
    return this.waitingInBackground.shift();
  }

  /** Starts a worker in the slot; its events count only while it is the slot's worker. */
  private spawn(slot: Slot): void {
    const worker = new Worker(new URL('./worker.js', import.meta.url), {
      resourceLimits: { maxOldGenerationSizeMb: this.memoryLimitMb },
    });
    slot.worker = worker;
    slot.ready = false;
    worker.unref();
    worker.on('message', (reply: EvaluationReply | typeof WORKER_READY) => {
      if (reply === WORKER_READY) {
        if (slot.worker !== worker) return;
        slot.ready = true;
        this.dispatch();
      } else this.receive(slot, worker, reply);
    });
    worker.on('error', (error) => {
      if (slot.worker !== worker) return;
      if (!slot.ready) return this.startFailed(slot, error);
      const code = (error as { code?: unknown }).code;
      this.replace(
        slot,
        code === 'ERR_WORKER_OUT_OF_MEMORY' && slot.job !== undefined
          ? new ExpressionError(
              slot.job.location,
              `Evaluation used more than ${this.memoryLimitMb} MiB of memory, the limit of an expression`,
              { jsonataCode: MEMORY_LIMIT_CODE },
            )
          : error,
      );
    });
    worker.on('exit', () => {
      if (slot.worker !== worker || this.closed) return;
      const error = new Error('the expression worker stopped');
      if (slot.ready) this.replace(slot, error);
      else this.startFailed(slot, error);
    });
  }

  /**
   * A worker that fails before it is ready would fail again at once: what waits fails with the
   * reason, and the slot tries again a second later rather than in a loop.
   */
  private startFailed(slot: Slot, error: unknown): void {
    const failure = new Error(
      `the expression worker could not start: ${error instanceof Error ? error.message : String(error)}`,
    );
    for (const job of [...this.waiting.splice(0), ...this.waitingInBackground.splice(0)]) job.reject(failure);
    const old = slot.worker;
    slot.worker = undefined;
    void old?.terminate();
    setTimeout(() => {
      if (!this.closed) this.spawn(slot);
    }, 1_000).unref();
  }

  private receive(slot: Slot, worker: Worker, reply: EvaluationReply): void {
    const job = slot.job;
    if (slot.worker !== worker || job === undefined || job.id !== reply.id) return;
    this.settle(slot, reply.id, () => {
      if (reply.ok) job.resolve(reply.value);
      else if ('expressionError' in reply) {
        const { location, reason, jsonataCode } = reply.expressionError;
        job.reject(new ExpressionError(location, reason, jsonataCode === undefined ? {} : { jsonataCode }));
      } else job.reject(new Error(reply.failure));
    });
  }

  private timeOut(slot: Slot, id: number): void {
    const job = slot.job;
    if (job === undefined || job.id !== id) return;
    const { message } = describeJsonataError({ code: TIMEOUT_CODE }, job.limits);
    this.replace(slot, new ExpressionError(job.location, message, { jsonataCode: TIMEOUT_CODE }));
  }

  /** Ends the slot's worker, fails its job with `error`, and puts a fresh worker in its place. */
  private replace(slot: Slot, error: unknown): void {
    const old = slot.worker;
    const job = slot.job;
    if (job !== undefined) clearTimeout(job.timer);
    slot.job = undefined;
    if (!this.closed) this.spawn(slot);
    void old?.terminate();
    job?.reject(error);
    this.dispatch();
  }

  private fail(slot: Slot, error: unknown): void {
    const job = slot.job;
    if (job !== undefined) this.settle(slot, job.id, () => job.reject(error));
  }

  private settle(slot: Slot, id: number, finish: () => void): void {
    if (slot.job === undefined || slot.job.id !== id) return;
    clearTimeout(slot.job.timer);
    slot.job = undefined;
    slot.worker?.unref();
    finish();
    this.dispatch();
  }
}
