import { z } from 'zod';
import { handleIdSchema } from '../../schemas/ids.js';
import { ERROR_HANDLE } from '../output-handles.js';
import { success } from '../results.js';
import { isTruthy } from '../truthy.js';
import type { NodeDefinition } from '../types.js';
import { evaluateNodeExpression } from './transform.js';

/** The output that fires when no case matches. */
export const SWITCH_DEFAULT_HANDLE = 'default';

const RESERVED_CASE_IDS: ReadonlySet<string> = new Set([SWITCH_DEFAULT_HANDLE, ERROR_HANDLE]);

const caseSchema = z
  .object({
    id: handleIdSchema
      .refine((id) => !RESERVED_CASE_IDS.has(id), {
        message: `"${SWITCH_DEFAULT_HANDLE}" and "${ERROR_HANDLE}" are outputs of every switch; give the case another id`,
      })
      .describe('The output handle of this case: edges keep it, so it stays when the label changes'),
    label: z.string().trim().min(1, 'label is required').max(60).describe('Shown on the canvas'),
    expression: z
      .string()
      .min(1, 'expression is required')
      .max(20_000)
      .describe('JSONata over { input, trigger, nodes, run }; truthy matches'),
  })
  .strict();

const config = z
  .object({
    cases: z
      .array(caseSchema)
      .min(1, 'add at least one case')
      .max(50, 'a switch holds at most 50 cases')
      .superRefine((cases, ctx) => {
        const first = new Map<string, number>();
        for (const [index, item] of cases.entries()) {
          const earlier = first.get(item.id);
          if (earlier === undefined) {
            first.set(item.id, index);
            continue;
          }
          ctx.addIssue({
            code: 'custom',
            path: [index, 'id'],
            message: `case id "${item.id}" is already used by case ${earlier + 1}; case ids must be unique`,
          });
        }
      }),
    mode: z
      .enum(['first', 'all'])
      .default('first')
      .describe('first (the default): only the first matching case fires; all: every matching case fires'),
  })
  .strict();

export const switchNode: NodeDefinition<typeof config> = {
  type: 'switch',
  version: 1,
  title: 'Switch',
  description:
    'Routes to the case whose expression is true (or every such case), else to "default"; the other outputs are skipped.',
  category: 'logic',
  effects: false,
  configSchema: config,
  exampleConfig: {
    cases: [
      { id: 'large', label: 'Large order', expression: 'input.total > 1000' },
      { id: 'eu', label: 'EU customer', expression: 'input.country in ["DE", "FR", "NL"]' },
    ],
    mode: 'first',
  },
  inputs: [{ id: 'in', label: 'Input' }],
  outputs: [{ id: SWITCH_DEFAULT_HANDLE, label: 'Default' }],
  configOutputs: { field: 'cases' },
  migrations: {},
  references: [],
  retry: { maxAttempts: 1, initialDelayMs: 0, maxDelayMs: 0 },
  rawExpressionFields: ['cases[].expression'],
  async execute(ctx, input, cfg) {
    const matched: string[] = [];
    for (const [index, item] of cfg.cases.entries()) {
      const field = `cases[${index}].expression`;
      const evaluated = await evaluateNodeExpression(ctx, input, field, item.expression);
      if (!evaluated.ok) return evaluated.result;
      if (!isTruthy(evaluated.value)) continue;
      matched.push(item.id);
      if (cfg.mode === 'first') break;
    }
    ctx.log(
      'debug',
      matched.length > 0 ? `switch matched ${matched.join(', ')}` : 'switch matched no case: default',
    );
    // The output says what matched; downstream nodes get the input passed through beside it.
    return success(
      { matched, default: matched.length === 0, input: input.in ?? null },
      matched.length > 0 ? matched : [SWITCH_DEFAULT_HANDLE],
    );
  },
};
