import type { RawFieldOptions } from './sites.js';

/**
 * What expressions read: `trigger` (the trigger's payload), `nodes` (outputs of settled nodes,
 * by node id) and `run` (ids and times), plus whatever else a caller adds (a transform adds
 * `input`). Every top-level key is also bound as a variable: `$trigger`, `$nodes`, `$run` ….
 */
export interface EvaluationScope {
  readonly trigger: unknown;
  readonly nodes: Readonly<Record<string, unknown>>;
  readonly run?: unknown;
}

/** Wall-clock budget for all expressions of one `resolveConfig` (or one `evaluateExpression`). */
export const DEFAULT_EXPRESSION_TIMEOUT_MS = 1000;
/** JSONata evaluation depth limit; legitimate expressions stay far below, runaway recursion does not. */
export const DEFAULT_EXPRESSION_MAX_DEPTH = 500;

export interface EvaluationOptions {
  /** Time budget in ms, enforced by JSONata's own guard (checked as evaluation proceeds). */
  readonly timeoutMs?: number;
  /** Maximum JSONata evaluation depth (nested calls, recursion). */
  readonly maxDepth?: number;
}

export interface ResolveConfigOptions extends EvaluationOptions, RawFieldOptions {
  readonly nodeId: string;
}

export interface EvaluateExpressionOptions extends EvaluationOptions {
  readonly nodeId?: string;
  /** Named in error messages, e.g. `filter`. */
  readonly field?: string;
}
