import { compileExpression } from './compile.js';
import type { FieldPath } from './field-path.js';
import { nodeIdsInAst } from './references.js';
import { expressionSites, type RawFieldOptions } from './sites.js';

/** A problem with one expression of a node's config, for scenario validation and the editor. */
export interface ExpressionProblem {
  /** Present when the caller named the node. */
  readonly nodeId?: string;
  /** JSON path of the field, e.g. `headers.Authorization` or `body[2].x`. */
  readonly field: string;
  readonly path: FieldPath;
  /** 0-based character offset in the field's string. */
  readonly position: number;
  readonly message: string;
}

export interface FindExpressionErrorsOptions extends RawFieldOptions {
  readonly nodeId?: string;
}

/** Compiles every expression of a config without evaluating anything, and returns all problems found. */
export function findExpressionErrors(
  config: unknown,
  options: FindExpressionErrorsOptions = {},
): ExpressionProblem[] {
  const owner = options.nodeId === undefined ? {} : { nodeId: options.nodeId };
  const problems: ExpressionProblem[] = [];
  for (const found of expressionSites(config, options)) {
    if ('problem' in found) {
      problems.push({ ...owner, ...found.problem });
      continue;
    }
    const { site } = found;
    const compiled = compileExpression(site.source);
    if (compiled.ok) continue;
    problems.push({
      ...owner,
      field: site.field,
      path: site.path,
      position: site.sourceStart + compiled.failure.position,
      message: compiled.failure.message,
    });
  }
  return problems;
}

/** A read of another node's output by an expression of a config. */
export interface NodeReference {
  readonly nodeId: string;
  readonly field: string;
  readonly path: FieldPath;
}

/** Every `nodes.<id>` read in a config, per field. Expressions that do not compile are skipped. */
export function findNodeReferences(config: unknown, options: RawFieldOptions = {}): NodeReference[] {
  const references: NodeReference[] = [];
  for (const found of expressionSites(config, options)) {
    if (!('site' in found)) continue;
    const compiled = compileExpression(found.site.source);
    if (!compiled.ok) continue;
    for (const nodeId of nodeIdsInAst(compiled.expression.ast())) {
      references.push({ nodeId, field: found.site.field, path: found.site.path });
    }
  }
  return references;
}

/** The distinct node ids a config's expressions read, in order of first appearance. */
export function referencedNodeIds(config: unknown, options: RawFieldOptions = {}): string[] {
  return [...new Set(findNodeReferences(config, options).map((reference) => reference.nodeId))];
}
