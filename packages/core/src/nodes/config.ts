import { codeSyntaxProblem, formatCodeSyntaxProblem } from '../code/syntax.js';
import { findExpressionErrors, resolveConfig } from '../expressions/index.js';
import type { ExpressionScope, NodeDefinition } from './types.js';
import { compileProblem, rawExpressionPaths } from './raw-expression.js';

export interface ConfigProblem {
  readonly path: (string | number)[];
  readonly message: string;
  /** Where in a code field the problem is (1-based), for the editor to mark that line. */
  readonly position?: { readonly line: number; readonly column: number };
}

function holdsTemplate(value: unknown): boolean {
  return typeof value === 'string' && value.includes('{{');
}

/** True when the value at `path`, or one of its containers, is a `{{ }}` expression: only its result can be checked. */
function pathHoldsExpression(config: unknown, path: readonly PropertyKey[]): boolean {
  let current: unknown = config;
  for (const key of path) {
    if (holdsTemplate(current)) return true;
    if (current === null || typeof current !== 'object') return false;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return holdsTemplate(current);
}

/**
 * Splits a config into what holds `{{ }}` templates and the top-level raw fields (JSONata and
 * code, which the node evaluates itself); raw fields inside arrays or objects
 * (`cases[].expression`, `pagination.items`) stay in place and are named in `nested`.
 */
function withoutRawFields(def: NodeDefinition, config: Record<string, unknown>) {
  const templated: Record<string, unknown> = { ...config };
  const raw: Record<string, unknown> = {};
  const patterns = [...(def.rawExpressionFields ?? []), ...(def.codeFields ?? [])];
  const nested = rawExpressionPaths(
    patterns.filter((pattern) => pattern.includes('.')),
    config,
  );
  for (const field of patterns) {
    if (field.includes('.')) continue;
    if (field in templated) {
      raw[field] = templated[field];
      delete templated[field];
    }
  }
  return { templated, raw, nested };
}

/**
 * Every problem of a stored node config, before expressions are evaluated: schema issues (except
 * on fields that hold expressions, which are checked after evaluation), expression syntax errors,
 * and syntax errors in the node's own JSONata fields.
 */
export function nodeConfigProblems(def: NodeDefinition, config: Record<string, unknown>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const parsed = def.configSchema.safeParse(config);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (pathHoldsExpression(config, issue.path)) continue;
      problems.push({
        path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
        message: issue.message,
      });
    }
  }
  const { templated, raw, nested } = withoutRawFields(def, config);
  for (const error of findExpressionErrors(templated, { rawFields: nested })) {
    problems.push({ path: error.path, message: error.message });
  }
  const codeFields = new Set(def.codeFields ?? []);
  for (const [field, value] of Object.entries(raw)) {
    if (typeof value !== 'string') continue;
    if (codeFields.has(field)) {
      const syntax = codeSyntaxProblem(value);
      if (syntax)
        problems.push({
          path: [field],
          message: formatCodeSyntaxProblem(syntax),
          position: { line: syntax.line, column: syntax.column },
        });
      continue;
    }
    const problem = compileProblem(value);
    if (problem) problems.push({ path: [field], message: problem });
  }
  return problems;
}

export type ResolvedConfig =
  | { readonly ok: true; readonly config: unknown }
  | { readonly ok: false; readonly problems: ConfigProblem[] };

/**
 * Evaluates the `{{ }}` expressions of a node's config over the run's scope and validates the
 * result against the node's schema. Raw JSONata fields are left for the node to evaluate.
 */
export async function resolveNodeConfig(
  def: NodeDefinition,
  nodeId: string,
  config: Record<string, unknown>,
  scope: ExpressionScope,
): Promise<ResolvedConfig> {
  const { templated, raw, nested } = withoutRawFields(def, config);
  const resolved = (await resolveConfig(templated, scope, { nodeId, rawFields: nested })) as Record<
    string,
    unknown
  >;
  const parsed = def.configSchema.safeParse({ ...resolved, ...raw });
  if (parsed.success) return { ok: true, config: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => ({
      path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
      message: issue.message,
    })),
  };
}
