import { z } from 'zod';
import { flowControlSchema } from '../../flow/schema.js';
import { scenarioEdgeSchema, scenarioNodeSchema } from '../../schemas/graph.js';
import { appKeySchema } from '../../schemas/ids.js';

/**
 * The version of the scenario file format this build writes and reads. A file of a newer format
 * is refused by name, never read with a guess.
 */
export const SCENARIO_FILE_FORMAT_VERSION = 1;

const scenarioName = z.string().min(1, 'name is empty').max(120, 'name is longer than 120 characters');

/** An app named by its key (the slug in `POST /webhook/:appKey`). */
export const appRefSchema = z.strictObject({ $app: appKeySchema });
/** A connection named by its app's key and its own name. */
export const connectionRefSchema = z.strictObject({
  $connection: z.strictObject({ app: appKeySchema, name: z.string().min(1).max(120) }),
});
/** A scenario named by its name (the identity scenarios are matched by; see the core README). */
export const scenarioRefSchema = z.strictObject({ $scenario: scenarioName });

export type AppRef = z.infer<typeof appRefSchema>;
export type ConnectionRef = z.infer<typeof connectionRefSchema>;
export type ScenarioRef = z.infer<typeof scenarioRefSchema>;
export type FileReference = AppRef | ConnectionRef | ScenarioRef;

export const scenarioFileSchema = z.strictObject({
  formatVersion: z
    .number()
    .int()
    .min(1)
    .max(
      SCENARIO_FILE_FORMAT_VERSION,
      `formatVersion is newer than this server reads (${SCENARIO_FILE_FORMAT_VERSION}); upgrade Weft`,
    ),
  name: scenarioName,
  description: z.string().max(2_000).default(''),
  /** The failure handler, or null. */
  onFailure: scenarioRefSchema.nullable().default(null),
  /** The flow control (concurrency, throttle, debounce per key); absent: none. */
  flowControl: flowControlSchema.optional(),
  /** Nodes as stored, with references in place of ids in their configs. */
  nodes: z.array(scenarioNodeSchema).max(5_000, 'a scenario holds at most 5,000 nodes'),
  edges: z.array(scenarioEdgeSchema).max(20_000, 'a scenario holds at most 20,000 edges'),
});

export type ScenarioFile = z.infer<typeof scenarioFileSchema>;
export type ScenarioFileInput = z.input<typeof scenarioFileSchema>;
