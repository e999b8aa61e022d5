import { type FieldPath, stringLeaves } from './field-path.js';
import { type ParsedTemplate, parseTemplate, TemplateSyntaxError } from './template.js';

export interface RawFieldOptions {
  /**
   * Config fields (JSON paths such as `expression` or `mapping.value`) that hold raw JSONata
   * evaluated by the node itself (`NodeDefinition.rawExpressionFields`), not `{{ }}` templates.
   */
  readonly rawFields?: readonly string[];
}

/** One JSONata source found in a config, with where it sits. */
export interface ExpressionSite {
  readonly path: FieldPath;
  readonly field: string;
  readonly source: string;
  /** Offset of `source` within the field's string. */
  readonly sourceStart: number;
}

export interface SiteProblem {
  readonly path: FieldPath;
  readonly field: string;
  readonly position: number;
  readonly message: string;
}

/** Every expression in a config: all `{{ }}` parts of templates, plus the whole of each raw field. */
export function* expressionSites(
  config: unknown,
  options: RawFieldOptions = {},
): Generator<{ readonly site: ExpressionSite } | { readonly problem: SiteProblem }> {
  const rawFields = new Set(options.rawFields ?? []);
  for (const leaf of stringLeaves(config)) {
    if (rawFields.has(leaf.field)) {
      yield { site: { path: leaf.path, field: leaf.field, source: leaf.value, sourceStart: 0 } };
      continue;
    }
    let parsed: ParsedTemplate;
    try {
      parsed = parseTemplate(leaf.value);
    } catch (err) {
      if (!(err instanceof TemplateSyntaxError)) throw err;
      yield { problem: { path: leaf.path, field: leaf.field, position: err.position, message: err.message } };
      continue;
    }
    for (const part of parsed.parts) {
      if (part.kind !== 'expression') continue;
      yield {
        site: { path: leaf.path, field: leaf.field, source: part.source, sourceStart: part.sourceStart },
      };
    }
  }
}
