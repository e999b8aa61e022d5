import { compileExpression, describeJsonataError, type EvaluationLimits } from './compile.js';
import {
  DEFAULT_EXPRESSION_MAX_DEPTH,
  DEFAULT_EXPRESSION_TIMEOUT_MS,
  type EvaluateExpressionOptions,
  type EvaluationOptions,
  type EvaluationScope,
  type ResolveConfigOptions,
} from './evaluation-options.js';
import { installedExpressionEvaluator } from './evaluator.js';
import { ExpressionError, type ExpressionLocation } from './expression-error.js';
import { type FieldPath, formatFieldPath, isPlainObject } from './field-path.js';
import { FunctionValueError, stringifyForTemplate, toPlainValue } from './plain-value.js';
import { type ExpressionPart, type ParsedTemplate, parseTemplate, TemplateSyntaxError } from './template.js';

class EvaluationBudget {
  readonly timeoutMs: number;
  readonly maxDepth: number;
  private readonly deadline: number;

  constructor(options: EvaluationOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_EXPRESSION_TIMEOUT_MS;
    // JSONata reads a depth of 0 as "no limit"; a limit is always kept.
    this.maxDepth = Math.max(1, Math.floor(options.maxDepth ?? DEFAULT_EXPRESSION_MAX_DEPTH));
    this.deadline = Date.now() + this.timeoutMs;
  }

  /** Limits for the next expression: whatever time is left. Undefined once the budget is spent. */
  next(): EvaluationLimits | undefined {
    const remaining = this.deadline - Date.now();
    // JSONata reads a timeout of 0 as "no limit", so a spent budget must not reach it.
    return remaining >= 1 ? { timeoutMs: remaining, maxDepth: this.maxDepth } : undefined;
  }

  get reported(): EvaluationLimits {
    return { timeoutMs: this.timeoutMs, maxDepth: this.maxDepth };
  }
}

interface Site {
  readonly nodeId: string | undefined;
  readonly field: string;
  readonly source: string;
  readonly sourceStart: number;
}

function locate(site: Site, offset: number): ExpressionLocation {
  return {
    ...(site.nodeId === undefined ? {} : { nodeId: site.nodeId }),
    field: site.field,
    position: site.sourceStart + offset,
  };
}

async function evaluateSite(site: Site, scope: EvaluationScope, budget: EvaluationBudget): Promise<unknown> {
  const limits = budget.next();
  if (limits === undefined) {
    const { message } = describeJsonataError({ code: 'D1012' }, budget.reported);
    throw new ExpressionError(locate(site, 0), message, { jsonataCode: 'D1012' });
  }
  const compiled = compileExpression(site.source, limits);
  if (!compiled.ok) {
    const { failure } = compiled;
    throw new ExpressionError(locate(site, failure.position), failure.message, {
      ...(failure.code === undefined ? {} : { jsonataCode: failure.code }),
    });
  }
  let result: unknown;
  try {
    result = await compiled.expression.evaluate(scope, { ...scope });
  } catch (err) {
    const failure = describeJsonataError(err, budget.reported);
    throw new ExpressionError(locate(site, failure.position), failure.message, {
      cause: err,
      ...(failure.code === undefined ? {} : { jsonataCode: failure.code }),
    });
  }
  try {
    return toPlainValue(result);
  } catch (err) {
    if (!(err instanceof FunctionValueError)) throw err;
    throw new ExpressionError(locate(site, 0), err.message);
  }
}

function parseOrThrow(value: string, nodeId: string | undefined, field: string): ParsedTemplate {
  try {
    return parseTemplate(value);
  } catch (err) {
    if (!(err instanceof TemplateSyntaxError)) throw err;
    throw new ExpressionError(
      { ...(nodeId === undefined ? {} : { nodeId }), field, position: err.position },
      err.message,
    );
  }
}

async function resolveString(
  value: string,
  field: string,
  nodeId: string | undefined,
  scope: EvaluationScope,
  budget: EvaluationBudget,
): Promise<unknown> {
  if (!value.includes('{{')) return value;
  const parsed = parseOrThrow(value, nodeId, field);
  if (parsed.wholeValue) {
    const part = parsed.parts.find((candidate) => candidate.kind === 'expression')!;
    return evaluateSite({ nodeId, field, source: part.source, sourceStart: part.sourceStart }, scope, budget);
  }
  let out = '';
  for (const part of parsed.parts) {
    if (part.kind === 'text') {
      out += part.text;
      continue;
    }
    const site = { nodeId, field, source: part.source, sourceStart: part.sourceStart };
    out += stringifyForTemplate(await evaluateSite(site, scope, budget));
  }
  return out;
}

/**
 * Expressions whose bounded costs (bounded.ts) add up to at most this are evaluated in-process
 * even where an evaluator is installed: a few passes over data the process already holds.
 * Anything else goes to the installed evaluator, where a deadline can stop it.
 */
export const MAX_IN_PROCESS_COST = 64;

/** The total `boundedCost` of these sources, or undefined when one of them is unbounded. */
function costOf(sources: Iterable<string>): number | undefined {
  let total = 0;
  for (const source of sources) {
    const compiled = compileExpression(source);
    // A source that does not compile fails at once, in-process.
    if (!compiled.ok) continue;
    if (compiled.cost === undefined) return undefined;
    total += compiled.cost;
  }
  return total;
}

function staysInProcess(sources: Iterable<string>): boolean {
  const cost = costOf(sources);
  return cost !== undefined && cost <= MAX_IN_PROCESS_COST;
}

function* templateSources(
  value: unknown,
  rawFields: ReadonlySet<string>,
  path: FieldPath,
): Generator<string> {
  if (typeof value === 'string') {
    if (!value.includes('{{') || rawFields.has(formatFieldPath(path))) return;
    let parsed: ParsedTemplate;
    try {
      parsed = parseTemplate(value);
    } catch {
      return;
    }
    for (const part of parsed.parts) if (part.kind === 'expression') yield part.source;
  } else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) yield* templateSources(item, rawFields, [...path, index]);
  } else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) yield* templateSources(item, rawFields, [...path, key]);
  }
}

/**
 * Resolves every expression in a node's config over `scope`: a string that is exactly
 * `{{ expr }}` takes the expression's value with its type; a string mixing text and
 * `{{ … }}` becomes a string; `\{{` is a literal `{{`; other values pass through; objects and
 * arrays are resolved recursively into new ones (the input is not changed). Raw JSONata
 * fields (`rawFields`) are left for the node to evaluate.
 *
 * Throws `ExpressionError` (`expression_error`, `expression_timeout`, `expression_limit`) naming
 * the node, field and position. Runaway evaluation is stopped by JSONata's guards: a time budget
 * for the whole config (`timeoutMs`), an evaluation depth limit (`maxDepth`) and the sequence
 * limit; regular expressions run on RE2 (linear time). A single built-in call that is slow on its
 * own cannot be interrupted on this thread: unless every expression of the config is bounded
 * (`MAX_IN_PROCESS_COST`), the config goes to the installed `ExpressionEvaluator`, if any.
 */
export async function resolveConfig(
  config: unknown,
  scope: EvaluationScope,
  options: ResolveConfigOptions,
): Promise<unknown> {
  const evaluator = installedExpressionEvaluator();
  if (
    evaluator !== undefined &&
    !staysInProcess(templateSources(config, new Set(options.rawFields ?? []), []))
  )
    return evaluator.resolveConfig(config, scope, options);
  return resolveConfigInProcess(config, scope, options);
}

/** `resolveConfig` on this thread, whatever evaluator is installed (what a worker runs). */
export async function resolveConfigInProcess(
  config: unknown,
  scope: EvaluationScope,
  options: ResolveConfigOptions,
): Promise<unknown> {
  const budget = new EvaluationBudget(options);
  const rawFields = new Set(options.rawFields ?? []);

  const resolve = async (value: unknown, path: FieldPath): Promise<unknown> => {
    if (typeof value === 'string') {
      const field = formatFieldPath(path);
      return rawFields.has(field) ? value : resolveString(value, field, options.nodeId, scope, budget);
    }
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      for (const [index, item] of value.entries()) out.push(await resolve(item, [...path, index]));
      return out;
    }
    if (isPlainObject(value)) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) out[key] = await resolve(item, [...path, key]);
      return out;
    }
    return value;
  };

  return resolve(config, []);
}

/**
 * Evaluates one expression and returns its value; a trigger filter checks it for truthiness.
 * Takes raw JSONata (`trigger.body.action = "opened"`) or one wrapped whole-value expression
 * (`{{ … }}`). Anything else is raw JSONata, even when it contains braces: a transform such as
 * `$map(xs, function($v){{"a": $v}})` must not be mistaken for a template.
 */
export async function evaluateExpression(
  expression: string,
  scope: EvaluationScope,
  options: EvaluateExpressionOptions = {},
): Promise<unknown> {
  const evaluator = installedExpressionEvaluator();
  if (evaluator !== undefined && !staysInProcess([siteSource(expression)]))
    return evaluator.evaluateExpression(expression, scope, options);
  return evaluateExpressionInProcess(expression, scope, options);
}

/** The JSONata an `evaluateExpression` argument holds: itself, or what its one `{{ }}` wraps. */
function siteSource(expression: string): string {
  return wholeValueExpression(expression)?.source ?? expression;
}

/** `evaluateExpression` on this thread, whatever evaluator is installed (what a worker runs). */
export async function evaluateExpressionInProcess(
  expression: string,
  scope: EvaluationScope,
  options: EvaluateExpressionOptions = {},
): Promise<unknown> {
  const budget = new EvaluationBudget(options);
  const field = options.field ?? '';
  const wrapped = wholeValueExpression(expression);
  const site =
    wrapped === undefined
      ? { nodeId: options.nodeId, field, source: expression, sourceStart: 0 }
      : { nodeId: options.nodeId, field, source: wrapped.source, sourceStart: wrapped.sourceStart };
  return evaluateSite(site, scope, budget);
}

function wholeValueExpression(value: string): ExpressionPart | undefined {
  const trimmed = value.trim();
  if (!trimmed.startsWith('{{') || !trimmed.endsWith('}}')) return undefined;
  try {
    const parsed = parseTemplate(value);
    return parsed.wholeValue ? parsed.parts.find((part) => part.kind === 'expression') : undefined;
  } catch {
    return undefined;
  }
}
