import jsonata from 'jsonata';
import { boundedCost } from './bounded.js';
import { LinearRegExp, UnsupportedRegexError } from './linear-regex.js';

export type CompiledExpression = jsonata.Expression;
export type ExpressionAstNode = jsonata.ExprNode;

export interface EvaluationLimits {
  /** JSONata's own guard: evaluation stops with D1012 once it has run this long. */
  readonly timeoutMs: number;
  /** JSONata's own guard: evaluation stops with D1011 beyond this evaluation depth. */
  readonly maxDepth: number;
}

/** A JSONata failure reduced to what we report. `position` is relative to the expression source. */
export interface JsonataFailure {
  readonly message: string;
  readonly position: number;
  readonly code: string | undefined;
}

/**
 * The most items a sequence may hold while an expression evaluates (a range `[1..n]`, a path's
 * results, a `$map`): beyond it evaluation fails with D2015 before the items are allocated.
 */
export const MAX_SEQUENCE_LENGTH = 1_000_000;

/** JSONata's codes for a sequence beyond its limit: the range operator's own cap (D2014) and ours (D2015). */
export const SEQUENCE_LIMIT_CODES: ReadonlySet<string> = new Set(['D2014', 'D2015']);

export type CompileResult =
  | {
      readonly ok: true;
      readonly expression: CompiledExpression;
      /** `boundedCost` of the expression: defined when it cannot stall a process (bounded.ts). */
      readonly cost: number | undefined;
    }
  | { readonly ok: false; readonly failure: JsonataFailure };

interface JsonataErrorShape {
  readonly message?: unknown;
  readonly position?: unknown;
  readonly code?: unknown;
  readonly token?: unknown;
}

/**
 * JSONata throws plain objects `{ code, position, token, message }`, where `position` is the
 * offset just past the offending token. Some errors lack a position; they get 0.
 */
export function describeJsonataError(err: unknown, limits?: EvaluationLimits): JsonataFailure {
  const shape: JsonataErrorShape = typeof err === 'object' && err !== null ? err : {};
  const code = typeof shape.code === 'string' ? shape.code : undefined;
  const position = typeof shape.position === 'number' && shape.position >= 0 ? shape.position : 0;
  const token = typeof shape.token === 'string' ? shape.token : undefined;
  let message =
    typeof shape.message === 'string' && shape.message !== ''
      ? shape.message
      : err instanceof Error
        ? err.message
        : String(err);

  if (code === 'T1006' && token !== undefined) {
    message = `"$${token}" is not a function`;
  } else if (code === 'D1012' && limits !== undefined) {
    message = `Evaluation exceeded the time limit of ${limits.timeoutMs} ms; check for an infinite loop or runaway recursion`;
  } else if (code === 'D1011' && limits !== undefined) {
    message = `Evaluation exceeded the maximum depth of ${limits.maxDepth}; check for a recursive function that never stops`;
  } else if (code !== undefined && SEQUENCE_LIMIT_CODES.has(code)) {
    message = `Evaluation built a sequence of more than ${MAX_SEQUENCE_LENGTH.toLocaleString('en')} items, the limit of an expression; narrow the range or the data`;
  } else if (err instanceof RangeError) {
    message = `Evaluation ran out of stack (${err.message}); check for a recursive function that never stops`;
  }
  return { message, position, code };
}

function eachNode(node: unknown, visit: (node: ExpressionAstNode) => void, seen = new Set<object>()): void {
  if (typeof node !== 'object' || node === null || node instanceof RegExp || seen.has(node)) return;
  seen.add(node);
  if (Array.isArray(node)) {
    for (const item of node) eachNode(item, visit, seen);
    return;
  }
  const shape = node as ExpressionAstNode;
  if (typeof shape.type === 'string') visit(shape);
  for (const value of Object.values(node)) eachNode(value, visit, seen);
}

/** Regular expression literals RE2 cannot run, reported when the expression compiles (as the editor checks it). */
function unsupportedRegex(ast: ExpressionAstNode): JsonataFailure | undefined {
  let failure: JsonataFailure | undefined;
  eachNode(ast, (node) => {
    if (failure !== undefined || node.type !== ('regex' as ExpressionAstNode['type'])) return;
    try {
      new LinearRegExp(node.value as RegExp);
    } catch (err) {
      if (!(err instanceof UnsupportedRegexError)) throw err;
      failure = { message: err.message, position: node.position ?? 0, code: undefined };
    }
  });
  return failure;
}

/**
 * Compiled expressions by source and limits. Parsing is most of what evaluating a small expression
 * costs, and a run evaluates the same few sources again and again. A compiled JSONata expression
 * may be evaluated concurrently (each evaluation gets a frame of its own when bindings are passed,
 * as `evaluateSite` does); its limits are fixed at compile time, so they are part of the key, and
 * the time limit is rounded down to a few steps (never more time than was asked for).
 */
const compiled = new Map<string, CompileResult>();
const MAX_COMPILED = 2_000;

function roundedTimeout(ms: number): number {
  if (ms >= 1_000) return Math.floor(ms / 100) * 100;
  if (ms >= 100) return Math.floor(ms / 10) * 10;
  return Math.max(1, Math.floor(ms));
}

/** Compiles JSONata, never throwing: syntax problems come back as a failure. */
export function compileExpression(source: string, limits?: EvaluationLimits): CompileResult {
  if (source.trim() === '') {
    return { ok: false, failure: { message: 'Empty expression', position: 0, code: undefined } };
  }
  const timeout = limits === undefined ? undefined : roundedTimeout(limits.timeoutMs);
  const key = limits === undefined ? `\u0000${source}` : `${timeout}\u0000${limits.maxDepth}\u0000${source}`;
  const hit = compiled.get(key);
  if (hit) return hit;
  let result: CompileResult;
  try {
    const expression = jsonata(source, {
      ...(limits === undefined ? {} : { timeout, stack: limits.maxDepth }),
      sequence: MAX_SEQUENCE_LENGTH,
      RegexEngine: LinearRegExp as unknown as RegExpConstructor,
    });
    const regexFailure = unsupportedRegex(expression.ast());
    result =
      regexFailure === undefined
        ? { ok: true, expression, cost: boundedCost(expression.ast()) }
        : { ok: false, failure: regexFailure };
  } catch (err) {
    result = { ok: false, failure: describeJsonataError(err) };
  }
  compiled.set(key, result);
  if (compiled.size > MAX_COMPILED) {
    const oldest = compiled.keys().next();
    if (!oldest.done) compiled.delete(oldest.value);
  }
  return result;
}
