import type { ExpressionLocation } from '../expressions/expression-error.js';
import type {
  EvaluateExpressionOptions,
  EvaluationScope,
  ResolveConfigOptions,
} from '../expressions/evaluation-options.js';

/** What the pool asks a worker: one evaluation at a time. */
export type EvaluationRequest =
  | {
      readonly id: number;
      readonly kind: 'resolveConfig';
      readonly config: unknown;
      readonly scope: EvaluationScope;
      readonly options: ResolveConfigOptions;
    }
  | {
      readonly id: number;
      readonly kind: 'evaluateExpression';
      readonly expression: string;
      readonly scope: EvaluationScope;
      readonly options: EvaluateExpressionOptions;
    };

/** A worker's answer: the value, an `ExpressionError` as data, or any other failure's message. */
export type EvaluationReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | {
      readonly id: number;
      readonly ok: false;
      readonly expressionError: {
        readonly location: ExpressionLocation;
        readonly reason: string;
        readonly jsonataCode: string | undefined;
      };
    }
  | { readonly id: number; readonly ok: false; readonly failure: string };

/** A worker's first message: it has loaded and takes requests. */
export const WORKER_READY = 'ready';
