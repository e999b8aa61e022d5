import { z } from 'zod';
import { fatal, success, waitUntil } from '../results.js';
import type { NodeDefinition } from '../types.js';

const MAX_DELAY_MS = 30 * 24 * 3_600_000;

const config = z
  .object({
    durationMs: z.number().int().min(0).max(MAX_DELAY_MS).optional().describe('How long to wait'),
    until: z.string().optional().describe('An ISO date-time to wait until (may be an expression)'),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    if ((cfg.durationMs === undefined) === (cfg.until === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['durationMs'],
        message: 'set exactly one of durationMs and until',
      });
    }
  });

export const delay: NodeDefinition<typeof config> = {
  type: 'delay',
  version: 1,
  title: 'Delay',
  description:
    'Waits durably (across restarts) for a duration or until a time, then passes its input through.',
  category: 'flow',
  effects: true,
  configSchema: config,
  exampleConfig: { durationMs: 60_000 },
  inputs: [{ id: 'in', label: 'Input' }],
  outputs: [{ id: 'out', label: 'Output' }],
  migrations: {},
  references: [],
  retry: { maxAttempts: 1, initialDelayMs: 0, maxDelayMs: 0 },
  async execute(ctx, input, cfg) {
    // Measured from the step's first start, which survives resumes, so a resumed run does not wait again.
    const until =
      cfg.durationMs !== undefined
        ? new Date(ctx.stepStartedAt.getTime() + cfg.durationMs)
        : new Date(cfg.until ?? '');
    if (Number.isNaN(until.getTime())) {
      return fatal(
        'invalid_config',
        `node "${ctx.nodeId}", field "until": "${cfg.until}" is not a date-time`,
      );
    }
    if (ctx.now().getTime() >= until.getTime()) return success(input.in ?? null);
    return waitUntil(until);
  },
};
