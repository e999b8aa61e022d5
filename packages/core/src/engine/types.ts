import type { ExecutionPlan } from '../graph/execution-plan.js';
import type { GraphShape } from '../graph/types.js';
import type { ExpressionScope, NodeContext } from '../nodes/types.js';
import type { LogLevel } from '../schemas/entities.js';
import type { HttpPage, LoopItem, Step, StepError } from '../schemas/entities.js';

/** What the engine needs from its surroundings: the runner passes real effects, dry-run simulated ones. */
export interface EngineHost {
  /** A node's window on the world for one attempt. */
  createContext(args: {
    nodeId: string;
    nodeType: string;
    attempt: number;
    stepStartedAt: Date;
    scope: ExpressionScope;
    signal: AbortSignal;
    /** Inside a for-each body: the item's index (the context passes it on as `itemIndex`). */
    itemIndex?: number;
  }): NodeContext;
  /** Persists a step whenever it starts, waits or settles. */
  saveStep(step: Step): Promise<void>;
  /** The stored items of a for-each loop of this run (any order): settled ones are not run again. */
  loadLoopItems(loopId: string): Promise<readonly LoopItem[]>;
  /**
   * Persists a loop item whenever it starts, one of its body steps changes (`changed`), or it
   * settles; the record replaces the stored one with the same loop and index.
   */
  saveLoopItem(item: LoopItem, changed?: Step): Promise<void>;
  /** The stored pages of a paginated request step (`itemIndex` inside a for-each body), in page order. */
  loadHttpPages(nodeId: string, itemIndex?: number): Promise<readonly HttpPage[]>;
  /** Persists one fetched page of a paginated request step before the next one is requested. */
  saveHttpPage(page: HttpPage): Promise<void>;
  /** Checked before each step starts: a cancelled run starts no further step. */
  isCancelled(): boolean | Promise<boolean>;
  /** Engine events worth a run log line (retries, waits, skips). */
  log(
    level: LogLevel,
    message: string,
    data: { nodeId?: string; attempt?: number; [key: string]: unknown },
  ): void;
  now(): Date;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  random?(): number;
  /**
   * Runs one step's execution (its attempts, retries slept in-process) in a scope of the host's:
   * the runner makes it a trace span, current while the node's effects run. Calls `execute` once
   * and returns what it returns. Absent: the step runs as is.
   */
  traceStep?<T extends StepEnd>(step: TracedStep, execute: () => Promise<T>): Promise<T>;
}

/** The step `EngineHost.traceStep` runs. */
export interface TracedStep {
  readonly nodeId: string;
  readonly nodeType: string;
  /** Inside a for-each body: the item's index. */
  readonly itemIndex?: number;
}

/** How a step's execution ended: settled, waiting (a backoff, a delay, a wait), or interrupted. */
export type StepEnd =
  | { readonly kind: 'succeeded' }
  | { readonly kind: 'waiting'; readonly resumeAt: Date }
  | { readonly kind: 'failed' | 'dead'; readonly error: StepError }
  | { readonly kind: 'aborted' };

export interface EngineRun {
  readonly runId: string;
  readonly scenarioId: string;
  readonly startedAt: Date;
  /** What started the run: the trigger node outputs it, expressions see it as `trigger`. */
  readonly trigger: unknown;
  readonly graph: GraphShape;
  /** Persisted steps of an earlier, interrupted attempt at this run: succeeded steps are not run again. */
  readonly steps: readonly Step[];
  /** Set when this is one item of a for-each body (see engine/loop.ts): `graph` is that body. */
  readonly body?: {
    readonly plan: ExecutionPlan;
    /** Outputs of the nodes outside the loop, as the loop saw them. */
    readonly outer: Readonly<Record<string, unknown>>;
    readonly item: unknown;
    readonly index: number;
  };
}

export interface EngineOptions {
  /** Retry backoffs up to this are slept in-process; longer ones suspend the run. Default 5 s. */
  readonly maxInlineWaitMs?: number;
  /** A stored output larger than this (JSON bytes) is replaced by a truncated preview. Default 256 KiB. */
  readonly outputCapBytes?: number;
  /**
   * The stored outputs of a run's top-level steps together (JSON bytes); an output that would pass
   * it is stored as a truncated preview. Default `MAX_RUN_OUTPUT_BYTES` (8 MiB).
   */
  readonly maxRunOutputBytes?: number;
  /** One attempt's time limit when a node sets none. Default 5 minutes. */
  readonly defaultTimeoutMs?: number;
  /** Aborts running steps (runner shutdown); the run is then suspended to resume at once. */
  readonly signal?: AbortSignal;
}

export type RunOutcome =
  | { readonly status: 'succeeded' }
  | { readonly status: 'failed'; readonly error: StepError; readonly nodeId?: string }
  | { readonly status: 'dead'; readonly error: StepError; readonly nodeId: string }
  | { readonly status: 'cancelled' }
  /** Some step waits (a long retry backoff or a delay): resume the run at `resumeAt`. */
  | { readonly status: 'suspended'; readonly resumeAt: Date };
