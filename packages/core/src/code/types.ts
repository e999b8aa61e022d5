import type { LogLevel } from '../schemas/entities.js';

/** What a code node's function sees, as plain data (its parameters). */
export interface CodeData {
  readonly input: unknown;
  readonly trigger: unknown;
  readonly nodes: Readonly<Record<string, unknown>>;
  readonly run: unknown;
  /** Inside a for-each body: the current item and its index; otherwise null. */
  readonly item: unknown;
  readonly index: number | null;
}

export interface CodeRunRequest {
  /** The body of an async function: `return` gives the result. */
  readonly code: string;
  readonly data: CodeData;
  readonly timeLimitMs: number;
  readonly memoryLimitBytes: number;
}

export interface CodeLogLine {
  readonly level: LogLevel;
  readonly message: string;
}

/**
 * Why an execution failed: `syntax` (the code does not parse), `thrown` (it threw or rejected),
 * `timeout` (CPU-time limit), `memory` (memory limit), `result` (the result is not plain data),
 * `pending` (its promise never settled). `line`/`column` are 1-based, in the node's code.
 */
export interface CodeRunError {
  readonly kind: 'syntax' | 'thrown' | 'timeout' | 'memory' | 'result' | 'pending';
  readonly message: string;
  /** The thrown error's name (`TypeError`), when it was an error object. */
  readonly name?: string;
  readonly line?: number;
  readonly column?: number;
  /** Frames in the node's code, one per line: `at f (line 3, column 7)`. */
  readonly stack?: string;
}

interface CodeRunReport {
  readonly logs: readonly CodeLogLine[];
  /** CPU time the execution took, in milliseconds. */
  readonly cpuMs: number;
}

export type CodeRunOutcome =
  | (CodeRunReport & { readonly ok: true; readonly value: unknown })
  | (CodeRunReport & { readonly ok: false; readonly error: CodeRunError });

/** Runs a code node's JavaScript in a sandbox: the runner and dry-run pass the same QuickJS one. */
export type CodeRunner = (request: CodeRunRequest) => Promise<CodeRunOutcome>;
