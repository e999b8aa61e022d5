import type { z } from 'zod';
import type { CodeRunner } from '../code/types.js';
import type { HttpPage, LogLevel } from '../schemas/entities.js';
import type { ScenarioCalls } from './calls.js';
import type { RunWaits } from './waits.js';

/** Every built-in node type. The registry is a `Record<NodeType, …>`, so adding one here forces a definition. */
export const NODE_TYPES = [
  'trigger.webhook',
  'trigger.manual',
  'trigger.schedule',
  'logger',
  'http.request',
  'transform',
  'condition',
  'delay',
  'merge',
  'webhook.send',
  'webhook.respond',
  'scenario.call',
  'switch',
  'loop.forEach',
  'code',
  'wait.approval',
  'wait.event',
] as const;
export type NodeType = (typeof NODE_TYPES)[number];

export const NODE_CATEGORIES = ['trigger', 'action', 'logic', 'flow', 'data'] as const;
export type NodeCategory = (typeof NODE_CATEGORIES)[number];

export interface HandleSpec {
  readonly id: string;
  readonly label: string;
  /** An input handle that accepts several edges receives an array of their outputs, in edge order. */
  readonly multiple?: boolean;
}

/** Outputs a node lists in its config: one per entry of the array at `field`, with its `id` and `label`. */
export interface ConfigOutputs {
  readonly field: string;
}

/** A serialisable error as a node reports it and a run step stores it. */
export interface NodeError {
  readonly code: string;
  readonly message: string;
  readonly retryable?: boolean;
  readonly retryAfterMs?: number;
  readonly details?: unknown;
}

/**
 * What `execute` returns. `handles` lists the output handles that fire (a condition fires one);
 * absent means all. `wait` suspends the step durably until `until` (ISO time): the runner
 * reschedules and calls `execute` again then, with the same `stepStartedAt`.
 */
export type ActionResult =
  | { readonly kind: 'success'; readonly data: unknown; readonly handles?: readonly string[] }
  | {
      readonly kind: 'retryable_error';
      readonly error: NodeError;
      /**
       * The attempt the retry policy counts when it is not the step's: a paginated request counts
       * the attempts at its current page, so each page gets the policy's `maxAttempts`.
       */
      readonly policyAttempt?: number;
    }
  /** `output`: what a failed step still reports (a for-each loop's per-item results). */
  | { readonly kind: 'fatal_error'; readonly error: NodeError; readonly output?: unknown }
  /**
   * `reason` says why in the run log (a delay, an outbound rate limit). With `waitFor` the step
   * also resumes as soon as that run ends (a scenario call waiting for its child) or that wait is
   * resolved (an approval): `until` is then only the latest time the node looks again.
   */
  | {
      readonly kind: 'wait';
      readonly until: string;
      readonly reason?: string;
      readonly waitFor?: WaitingFor;
    };

/** What a step waits for besides a time: a run to end, or a wait of the run to be resolved. */
export type WaitingFor = { readonly runId: string } | { readonly waitId: string };

export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs: number;
}

/** How a request relates to Weft's own state; not part of what is sent. */
export interface HttpCallOptions {
  /**
   * The connection the request is made for: the runner holds the request to that connection's
   * outbound rate limit (`rateLimitPerSec`), across all runners. Set it whenever a connection is used.
   */
  readonly connectionId?: string;
  /**
   * Authenticate with the connection's OAuth2 access token: the host adds the Authorization
   * header, renews the token ahead of its expiry and once more when the API answers that it expired.
   */
  readonly oauth2?: boolean;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The data expressions and transforms see: `{ trigger, nodes: { <id>: output }, run }`. */
export interface ExpressionScope {
  readonly trigger: unknown;
  readonly nodes: Readonly<Record<string, unknown>>;
  readonly run: { readonly id: string; readonly scenarioId: string; readonly startedAt: string };
  /** Inside a for-each body: the current item and its 0-based index. */
  readonly item?: unknown;
  readonly index?: number;
}

/**
 * The only way a node touches the world. The runner passes real effects; dry-run passes
 * simulated ones, so a preview runs the very same node code without side effects.
 */
export interface NodeContext {
  readonly runId: string;
  readonly nodeId: string;
  /** Inside a for-each body: the item's index, part of every key that must be unique per step. */
  readonly itemIndex?: number;
  /** 1-based attempt number. */
  readonly attempt: number;
  readonly dryRun: boolean;
  /** When the step's first attempt started: stable across retries and resumes. */
  readonly stepStartedAt: Date;
  readonly scope: ExpressionScope;
  readonly signal: AbortSignal;
  now(): Date;
  /**
   * Performs an HTTP request; throws a classified error on network failure, timeout or a refused
   * target, and `OutboundRateLimitWait` when the connection's rate limit has no slot soon enough.
   */
  http(request: HttpRequest, options?: HttpCallOptions): Promise<HttpResponse>;
  log(level: LogLevel, message: string, data?: unknown): void;
  /** Decrypted secrets of a connection of the run's workspace. */
  secrets(connectionId: string): Promise<Readonly<Record<string, string>>>;
  /** Set by the engine for a for-each node only: runs the loop's body once per item (see engine/loop.ts). */
  readonly loopBody?: LoopBodyRunner;
  /** Set by the engine: the durable pages of this step's paginated request (see `http-pagination.ts`). */
  readonly pages?: HttpPageStore;
  /** Standard Webhooks signature headers for an outgoing delivery. */
  signWebhook(input: {
    secret: string;
    id: string;
    timestamp: Date;
    body: string;
  }): Promise<Readonly<Record<string, string>>>;
  /** Starts other scenarios of the workspace (`scenario.call`). */
  readonly calls: ScenarioCalls;
  /** Runs a `code` node's JavaScript in the QuickJS sandbox (`@weft/core/sandbox`), in a run and in dry-run alike. */
  readonly runCode: CodeRunner;
  /** Waits for someone (`wait.approval`) or something (`wait.event`) to resume the run. */
  readonly waits: RunWaits;
}

/** What a for-each node asks of the engine: its items run through the body, each a durable unit. */
export interface LoopBodyRunner {
  run(
    items: readonly unknown[],
    options: { readonly concurrency: number; readonly onItemError: 'stop' | 'continue' },
  ): Promise<ActionResult>;
}

/**
 * A paginated request's fetched pages, each stored before the next one is requested: a resumed
 * step loads them and goes on at the next page. Pages belong to the step (node and loop item).
 */
export interface HttpPageStore {
  /** The stored pages of this step, in page order. */
  load(): Promise<readonly HttpPage[]>;
  /** Stores a page (replacing a stored one with the same number); resolves once it is durable. */
  save(page: HttpPage): Promise<void>;
}

/** `<runId>:<nodeId>`, plus `:<index>` inside a loop body: stable across retries and resumes of one step. */
export function stepKeyOf(ctx: Pick<NodeContext, 'runId' | 'nodeId' | 'itemIndex'>): string {
  return ctx.itemIndex === undefined
    ? `${ctx.runId}:${ctx.nodeId}`
    : `${ctx.runId}:${ctx.nodeId}:${ctx.itemIndex}`;
}

/** Outputs of the incoming edges, keyed by target handle. */
export type NodeInput = Readonly<Record<string, unknown>>;

/** What a config field refers to by database id: scenario files name it by key instead (see `scenario/files/references.ts`). */
export const REFERENCE_KINDS = ['app', 'connection', 'scenario'] as const;
export type ReferenceKind = (typeof REFERENCE_KINDS)[number];

/** A top-level config field holding the id of an app, a connection or a scenario of the workspace. */
export interface ConfigReference {
  readonly field: string;
  readonly kind: ReferenceKind;
}

export interface NodeDefinition<Schema extends z.ZodType = z.ZodType> {
  readonly type: NodeType;
  /** Bumped when the config shape changes; `migrations[n]` turns a version-n config into n+1. */
  readonly version: number;
  readonly title: string;
  readonly description: string;
  readonly category: NodeCategory;
  /**
   * Whether executing the node reaches outside the run (an HTTP call, a child run, a durable wait):
   * its step is stored before it executes. A node without effects may simply run again after a
   * crash, so the runner may write its step together with the next one.
   */
  readonly effects: boolean;
  readonly configSchema: Schema;
  readonly exampleConfig: z.input<Schema>;
  readonly inputs: readonly HandleSpec[];
  /** Outputs of every node of the type; use `nodeOutputHandles` for a node's actual ones. */
  readonly outputs: readonly HandleSpec[];
  /** Outputs the node's config lists (a switch's cases), drawn before `outputs`. */
  readonly configOutputs?: ConfigOutputs;
  /** Whether the type has the `error` output (see `hasErrorOutput`); default: action nodes do. */
  readonly errorOutput?: boolean;
  readonly migrations: Readonly<Record<number, (config: Record<string, unknown>) => Record<string, unknown>>>;
  /** Default retry policy of this node type; a node may override it. */
  readonly retry: {
    readonly maxAttempts: number;
    readonly initialDelayMs: number;
    readonly maxDelayMs: number;
  };
  /**
   * Config fields holding raw JSONata (evaluated by the node itself), not `{{ }}` templates: a
   * top-level key (`expression`) or a field of every entry of an array (`cases[].expression`).
   */
  readonly rawExpressionFields?: readonly string[];
  /**
   * Top-level config fields holding JavaScript (`code`): not `{{ }}` templates, syntax-checked
   * before a run with the line and column of the first error.
   */
  readonly codeFields?: readonly string[];
  /**
   * Every config field holding a database id (empty when none). Required, so that each new node
   * type decides: an id left undeclared would be exported as is and point nowhere in another workspace.
   */
  readonly references: readonly ConfigReference[];
  execute(ctx: NodeContext, input: NodeInput, config: z.output<Schema>): Promise<ActionResult>;
  /** What a simulated HTTP call of this node answers in a dry-run. */
  mock?(request: HttpRequest): HttpResponse;
}
