import { z } from 'zod';
import { fatal } from '../results.js';
import type { NodeDefinition } from '../types.js';

/** The most items one loop takes; `maxItems` may lower it. */
export const FOR_EACH_MAX_ITEMS = 10_000;
/** The output handle inside the loop: edges from it start the body, once per item. */
export const LOOP_BODY_HANDLE = 'body';
/** The output handle outside the loop: fires once, after every item has settled. */
export const LOOP_DONE_HANDLE = 'done';

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing (undefined)';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

const config = z
  .object({
    // A string in the form (the user writes an expression); at run time its result must be an array.
    items: z.unknown().meta({
      type: 'string',
      description: 'An expression that yields the array to loop over, e.g. {{ trigger.body.items }}',
    }),
    concurrency: z
      .number()
      .int()
      .min(1)
      .max(50)
      .default(1)
      .describe('How many items run at the same time (1 = one after the other, in order)'),
    onItemError: z
      .enum(['stop', 'continue'])
      .default('stop')
      .describe(
        'stop: the first failed item stops new items and fails the loop; continue: the loop succeeds and reports the failures',
      ),
    maxItems: z
      .number()
      .int()
      .min(1)
      .max(FOR_EACH_MAX_ITEMS)
      .default(1_000)
      .describe('A longer array is an error, never cut short (at most 10,000)'),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    if (!Array.isArray(cfg.items)) {
      ctx.addIssue({
        code: 'custom',
        path: ['items'],
        message: `items must be an array, got ${describeValue(cfg.items)}`,
      });
    } else if (cfg.items.length > cfg.maxItems) {
      ctx.addIssue({
        code: 'custom',
        path: ['items'],
        message: `items has ${cfg.items.length} entries, more than maxItems (${cfg.maxItems}); raise maxItems (at most ${FOR_EACH_MAX_ITEMS}) or split the input`,
      });
    }
  });

export const forEach: NodeDefinition<typeof config> = {
  type: 'loop.forEach',
  version: 1,
  title: 'For each',
  description:
    'Runs the nodes inside it once per item of an array (item and index in expressions), then fires done once with every result.',
  category: 'flow',
  effects: true,
  configSchema: config,
  exampleConfig: { items: '{{ trigger.body.items }}', concurrency: 1, onItemError: 'stop', maxItems: 1_000 },
  inputs: [{ id: 'in', label: 'Input' }],
  outputs: [
    { id: LOOP_BODY_HANDLE, label: 'Each item' },
    { id: LOOP_DONE_HANDLE, label: 'Done' },
  ],
  migrations: {},
  // Items retry their own steps; the loop as a whole is not run again on an error.
  references: [],
  retry: { maxAttempts: 1, initialDelayMs: 0, maxDelayMs: 0 },
  async execute(ctx, _input, cfg) {
    if (!ctx.loopBody) {
      return fatal('internal', `node "${ctx.nodeId}": a for-each loop runs only inside the run engine`);
    }
    // The schema checked that items is an array no longer than maxItems.
    return ctx.loopBody.run(cfg.items as unknown[], {
      concurrency: cfg.concurrency,
      onItemError: cfg.onItemError,
    });
  },
};
