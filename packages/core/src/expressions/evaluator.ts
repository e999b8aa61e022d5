import type {
  EvaluateExpressionOptions,
  EvaluationScope,
  ResolveConfigOptions,
} from './evaluation-options.js';

/**
 * Where expressions that could stall a process are evaluated. Core evaluates in-process; the api
 * and the runner install a pool of worker threads (`@weft/core/expression-workers`) that ends an
 * evaluation at its deadline. Installed once per process, so that every site that evaluates an
 * expression (node configs, transforms, trigger filters, event keys, OAuth2 `expiredWhen` …) goes
 * through it without each one having to be handed it.
 */
export interface ExpressionEvaluator {
  resolveConfig(config: unknown, scope: EvaluationScope, options: ResolveConfigOptions): Promise<unknown>;
  evaluateExpression(
    expression: string,
    scope: EvaluationScope,
    options: EvaluateExpressionOptions,
  ): Promise<unknown>;
}

let installed: ExpressionEvaluator | undefined;

/** Installs the process's evaluator for expressions that may stall (undefined: in-process); returns the previous one. */
export function setExpressionEvaluator(
  evaluator: ExpressionEvaluator | undefined,
): ExpressionEvaluator | undefined {
  const previous = installed;
  installed = evaluator;
  return previous;
}

export function installedExpressionEvaluator(): ExpressionEvaluator | undefined {
  return installed;
}
