import { z } from 'zod';
import { ExpressionError, evaluateExpression } from '../../expressions/index.js';
import { fatal, retryable, success } from '../results.js';
import type { NodeContext, NodeDefinition, NodeInput } from '../types.js';

/** Transforms and conditions see their input beside the run's scope: `{ input, trigger, nodes, run }`. */
export function transformScope(ctx: NodeContext, input: NodeInput) {
  return { ...ctx.scope, input: input.in ?? null };
}

/**
 * Evaluates a node's own JSONata, reporting failures naming the node: `expression_timeout`
 * (retryable), `expression_limit`, or a fatal `expression_error`.
 */
export async function evaluateNodeExpression(
  ctx: NodeContext,
  input: NodeInput,
  field: string,
  expression: string,
) {
  try {
    return { ok: true as const, value: await evaluateExpression(expression, transformScope(ctx, input)) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = error instanceof ExpressionError ? error.code : 'expression_error';
    const text = `node "${ctx.nodeId}", field "${field}": ${message}`;
    return {
      ok: false as const,
      result:
        error instanceof ExpressionError && error.retryable
          ? retryable({ code, message: text, details: { field } })
          : fatal(code, text, { field }),
    };
  }
}

const config = z
  .object({
    expression: z
      .string()
      .min(1, 'expression is required')
      .max(20_000)
      .describe('JSONata over { input, trigger, nodes, run }; its result is the output'),
  })
  .strict();

export const transform: NodeDefinition<typeof config> = {
  type: 'transform',
  version: 1,
  title: 'Transform',
  description: 'Reshapes data with a JSONata expression over { input, trigger, nodes, run }.',
  category: 'data',
  effects: false,
  configSchema: config,
  exampleConfig: { expression: '{ "id": trigger.body.id, "total": $sum(trigger.body.items.price) }' },
  inputs: [{ id: 'in', label: 'Input' }],
  outputs: [{ id: 'out', label: 'Output' }],
  migrations: {},
  references: [],
  retry: { maxAttempts: 1, initialDelayMs: 0, maxDelayMs: 0 },
  rawExpressionFields: ['expression'],
  async execute(ctx, input, cfg) {
    const evaluated = await evaluateNodeExpression(ctx, input, 'expression', cfg.expression);
    return evaluated.ok ? success(evaluated.value ?? null) : evaluated.result;
  },
};
