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
  type ResolveConfigOptions,
} from './evaluation-options.js';
export {
  evaluateExpression,
  evaluateExpressionInProcess,
  MAX_IN_PROCESS_COST,
  resolveConfig,
  resolveConfigInProcess,
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
export { boundedCost } from './bounded.js';
export { MAX_SEQUENCE_LENGTH } from './compile.js';
export {
  type ExpressionEvaluator,
  installedExpressionEvaluator,
  setExpressionEvaluator,
} from './evaluator.js';
export { MEMORY_LIMIT_CODE, TIMEOUT_CODE } from './expression-error.js';
export { LinearRegExp, UnsupportedRegexError } from './linear-regex.js';
