export { withCodeBudget } from './budget.js';
export { CODE_LIMITS } from './limits.js';
export { type CodeSyntaxProblem, codeSyntaxProblem, formatCodeSyntaxProblem } from './syntax.js';
export type {
  CodeData,
  CodeLogLine,
  CodeRunError,
  CodeRunner,
  CodeRunOutcome,
  CodeRunRequest,
} from './types.js';
