export {
  type ExpressionLocation,
  ExpressionError,
  formatLocation,
} from './expression-error.js';
export { type FieldPath, formatFieldPath } from './field-path.js';
export {
  DEFAULT_EXPRESSION_MAX_DEPTH,
  DEFAULT_EXPRESSION_TIMEOUT_MS,
  type EvaluateExpressionOptions,
  type EvaluationOptions,
  type EvaluationScope,
  evaluateExpression,
  type ResolveConfigOptions,
  resolveConfig,
} from './resolve.js';
export type { RawFieldOptions } from './sites.js';
export {
  type ExpressionPart,
  hasExpression,
  type ParsedTemplate,
  parseTemplate,
  type TemplatePart,
  TemplateSyntaxError,
  type TextPart,
} from './template.js';
export {
  type ExpressionProblem,
  type FindExpressionErrorsOptions,
  findExpressionErrors,
  findNodeReferences,
  type NodeReference,
  referencedNodeIds,
} from './validate.js';
