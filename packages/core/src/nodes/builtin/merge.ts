import { z } from 'zod';
import { success } from '../results.js';
import type { NodeDefinition } from '../types.js';

const config = z
  .object({
    mode: z
      .enum(['array', 'object', 'first'])
      .default('array')
      .describe(
        'array: the inputs as a list; object: shallow merge of object inputs; first: the first input',
      ),
  })
  .strict();

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

export const merge: NodeDefinition<typeof config> = {
  type: 'merge',
  version: 1,
  title: 'Merge',
  description:
    'Joins branches: runs once every incoming branch has settled, with the outputs of those that ran.',
  category: 'flow',
  effects: false,
  configSchema: config,
  exampleConfig: { mode: 'array' },
  inputs: [{ id: 'in', label: 'Inputs', multiple: true }],
  outputs: [{ id: 'out', label: 'Output' }],
  migrations: {},
  references: [],
  retry: { maxAttempts: 1, initialDelayMs: 0, maxDelayMs: 0 },
  async execute(_ctx, input, cfg) {
    const values = asList(input.in);
    switch (cfg.mode) {
      case 'array':
        return success(values);
      case 'first':
        return success(values[0] ?? null);
      case 'object':
        return success(
          Object.assign(
            {},
            ...values.filter((v) => v !== null && typeof v === 'object' && !Array.isArray(v)),
          ),
        );
    }
  },
};
