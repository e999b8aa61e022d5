import { z } from 'zod';
import { signatureConfigSchema } from '../signature-schemes.js';
import { CONNECTION_STATUSES, LOG_LEVELS, RUN_STATUSES } from './entities.js';
import { scenarioEdgeSchema, scenarioNodeSchema, viewportSchema } from './graph.js';
import { appKeySchema, objectIdSchema } from './ids.js';

const name = z.string().trim().min(1, 'name is required').max(120, 'name is longer than 120 characters');

export const createAppInput = z.object({
  key: appKeySchema,
  name,
  signature: signatureConfigSchema,
});

export const updateAppInput = z.object({
  id: objectIdSchema,
  name: name.optional(),
  signature: signatureConfigSchema.optional(),
  defaultConnectionId: objectIdSchema.nullable().optional(),
});

const secretValues = z
  .record(z.string().min(1).max(64), z.string().min(1, 'a secret value is empty').max(8_192))
  .refine((v) => Object.keys(v).length > 0, 'give at least one secret value');

export const createConnectionInput = z.object({
  appId: objectIdSchema,
  name,
  /** Write-only: stored encrypted, never returned. `webhookSecret` verifies inbound webhooks. */
  secrets: secretValues.optional(),
  metadata: z.record(z.string().max(64), z.string().max(2_000)).default({}),
  rateLimitPerSec: z.number().positive().max(10_000).nullable().default(null),
  /** Make this the app's default connection (the one whose secret verifies its webhooks). */
  makeDefault: z.boolean().default(true),
});

export const updateConnectionInput = z.object({
  id: objectIdSchema,
  name: name.optional(),
  metadata: z.record(z.string().max(64), z.string().max(2_000)).optional(),
  status: z.enum(CONNECTION_STATUSES).optional(),
  rateLimitPerSec: z.number().positive().max(10_000).nullable().optional(),
});

export const setConnectionSecretsInput = z.object({ id: objectIdSchema, secrets: secretValues });

export const graphInput = z.object({
  nodes: z.array(scenarioNodeSchema).max(5_000, 'a scenario holds at most 5,000 nodes'),
  edges: z.array(scenarioEdgeSchema).max(20_000, 'a scenario holds at most 20,000 edges'),
  viewport: viewportSchema.nullable().default(null),
});

export const createScenarioInput = z.object({
  name,
  description: z.string().max(2_000).default(''),
  draft: graphInput.optional(),
});

export const updateDraftInput = z.object({
  id: objectIdSchema,
  /** The revision the editor loaded; a save against a newer one is refused as a conflict. */
  revision: z.number().int().min(0),
  name: name.optional(),
  description: z.string().max(2_000).optional(),
  draft: graphInput,
});

export const cursorPageInput = z.object({
  limit: z.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).nullish(),
});

export const listRunsInput = cursorPageInput.extend({
  scenarioId: objectIdSchema.optional(),
  status: z.enum(RUN_STATUSES).optional(),
  correlationId: z.string().max(200).optional(),
  from: z.date().optional(),
  to: z.date().optional(),
});

export const listRunLogsInput = cursorPageInput.extend({
  runId: objectIdSchema,
  nodeId: z.string().optional(),
  level: z.enum(LOG_LEVELS).optional(),
});

export const manualTriggerInput = z.object({
  scenarioId: objectIdSchema,
  input: z.unknown(),
  correlationId: z.string().min(1).max(200).optional(),
});

export type CreateAppInput = z.input<typeof createAppInput>;
export type UpdateAppInput = z.input<typeof updateAppInput>;
export type CreateConnectionInput = z.input<typeof createConnectionInput>;
export type UpdateConnectionInput = z.input<typeof updateConnectionInput>;
export type GraphInput = z.input<typeof graphInput>;
export type CreateScenarioInput = z.input<typeof createScenarioInput>;
export type UpdateDraftInput = z.input<typeof updateDraftInput>;
export type ListRunsInput = z.input<typeof listRunsInput>;
export type ListRunLogsInput = z.input<typeof listRunLogsInput>;
