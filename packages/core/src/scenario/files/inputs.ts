import { z } from 'zod';
import { objectIdSchema } from '../../schemas/ids.js';

/** `scenarios.export`: every live scenario of the workspace, or the ones named by id. */
export const exportScenariosInput = z.strictObject({
  ids: z.array(objectIdSchema).max(1_000).optional(),
});

/** `scenarios.import`: files as parsed JSON, each with the path problems are reported under. */
export const importScenariosInput = z.strictObject({
  files: z
    .array(
      z.strictObject({
        path: z.string().min(1, 'path is empty').max(300),
        content: z.unknown(),
      }),
    )
    .min(1, 'no files to import')
    .max(1_000, 'at most 1,000 files per import'),
  /** true: only the plan and the problems; nothing is written. */
  dryRun: z.boolean(),
  /** Publish every imported scenario whose draft differs from its published version. */
  publish: z.boolean().default(false),
});

export type ImportScenariosInput = z.input<typeof importScenariosInput>;
