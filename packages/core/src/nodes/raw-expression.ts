import { compileExpression } from '../expressions/compile.js';

/**
 * The syntax error of a node's own JSONata field with its position (a regular expression RE2
 * cannot run included), or null when it compiles.
 */
export function compileProblem(expression: string): string | null {
  const compiled = compileExpression(expression);
  if (compiled.ok) return null;
  const { message, position } = compiled.failure;
  return `JSONata syntax error at ${position}: ${message}`;
}

/**
 * The concrete fields (as `formatFieldPath` writes them) that a node's `rawExpressionFields`
 * name in this config: `expression` stays `expression`; `cases[].expression` becomes
 * `cases[0].expression`, `cases[1].expression` … for the entries the config has.
 */
export function rawExpressionPaths(
  patterns: readonly string[],
  config: Readonly<Record<string, unknown>>,
): string[] {
  const fields: string[] = [];
  for (const pattern of patterns) {
    const at = pattern.indexOf('[].');
    if (at < 0) {
      fields.push(pattern);
      continue;
    }
    const list = config[pattern.slice(0, at)];
    if (!Array.isArray(list)) continue;
    for (let index = 0; index < list.length; index++) {
      fields.push(`${pattern.slice(0, at)}[${index}].${pattern.slice(at + 3)}`);
    }
  }
  return fields;
}
