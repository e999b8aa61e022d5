import { z } from 'zod';
import { success } from '../results.js';
import { isTruthy } from '../truthy.js';
import type { NodeDefinition } from '../types.js';
import { evaluateNodeExpression } from './transform.js';

const config = z
  .object({
    expression: z
      .string()
      .min(1, 'expression is required')
      .max(20_000)
      .describe('JSONata over { input, trigger, nodes, run }; truthy takes the "true" branch'),
  })
  .strict();

export const condition: NodeDefinition<typeof config> = {
  type: 'condition',
  version: 1,
  title: 'Condition',
  description:
    'Takes the "true" or the "false" branch; the other branch is skipped. Passes its input through.',
  category: 'logic',
  effects: false,
  configSchema: config,
  exampleConfig: { expression: 'trigger.body.total > 100' },
  inputs: [{ id: 'in', label: 'Input' }],
  outputs: [
    { id: 'true', label: 'True' },
    { id: 'false', label: 'False' },
  ],
  migrations: {},
  references: [],
  retry: { maxAttempts: 1, initialDelayMs: 0, maxDelayMs: 0 },
  rawExpressionFields: ['expression'],
  async execute(ctx, input, cfg) {
    const evaluated = await evaluateNodeExpression(ctx, input, 'expression', cfg.expression);
    if (!evaluated.ok) return evaluated.result;
    const branch = isTruthy(evaluated.value) ? 'true' : 'false';
    ctx.log('debug', `condition is ${branch}`);
    return success(input.in ?? null, [branch]);
  },
};
