import { z } from 'zod';
import { LOG_LEVELS } from '../../schemas/entities.js';
import { success } from '../results.js';
import type { NodeDefinition } from '../types.js';

const config = z
  .object({
    message: z
      .string()
      .min(1, 'message is required')
      .max(2_000)
      .describe('Text to log; may use {{ }} expressions'),
    level: z.enum(LOG_LEVELS).default('info'),
    data: z.unknown().optional().describe('Extra structured data to attach to the log line'),
  })
  .strict();

export const logger: NodeDefinition<typeof config> = {
  type: 'logger',
  version: 1,
  title: 'Log',
  description: 'Writes a line to the run log and passes its input through unchanged.',
  category: 'data',
  effects: false,
  configSchema: config,
  exampleConfig: { message: 'Order {{ trigger.body.id }} received', level: 'info' },
  inputs: [{ id: 'in', label: 'Input' }],
  outputs: [{ id: 'out', label: 'Output' }],
  migrations: {},
  references: [],
  retry: { maxAttempts: 1, initialDelayMs: 0, maxDelayMs: 0 },
  async execute(ctx, input, cfg) {
    ctx.log(cfg.level, cfg.message, cfg.data);
    return success(input.in ?? null);
  },
};
