import { z } from 'zod';
import { edgeIdSchema, handleIdSchema, nodeIdSchema } from './ids.js';

export const positionSchema = z.object({ x: z.number().finite(), y: z.number().finite() });

/** Per-node override of its retry policy; unset fields fall back to the node type's defaults. */
export const nodeRetryOverrideSchema = z
  .object({
    maxAttempts: z.number().int().min(1).max(20).optional(),
    initialDelayMs: z.number().int().min(0).max(86_400_000).optional(),
    maxDelayMs: z.number().int().min(0).max(86_400_000).optional(),
  })
  .strict();

export const scenarioNodeSchema = z
  .object({
    id: nodeIdSchema,
    type: z.string().min(1, 'node type is empty'),
    /** The node definition version the config was written for; older configs are migrated on load. */
    version: z.number().int().min(1),
    name: z.string().max(120).optional(),
    config: z.record(z.string(), z.unknown()),
    position: positionSchema.default({ x: 0, y: 0 }),
    /**
     * The for-each loop whose body holds this node (React Flow's parent node); absent at the top
     * level. A body node's position is relative to its loop, as React Flow keeps it.
     */
    parentId: nodeIdSchema.optional(),
    retry: nodeRetryOverrideSchema.optional(),
    /** Per-node timeout for one attempt. */
    timeoutMs: z.number().int().min(100).max(3_600_000).optional(),
  })
  .strict();

export const scenarioEdgeSchema = z
  .object({
    id: edgeIdSchema,
    source: nodeIdSchema,
    sourceHandle: handleIdSchema.default('out'),
    target: nodeIdSchema,
    targetHandle: handleIdSchema.default('in'),
  })
  .strict();

export const viewportSchema = z.object({ x: z.number(), y: z.number(), zoom: z.number().positive() });

/** The graph part of a scenario: what the editor saves and what a version freezes. */
export const scenarioGraphSchema = z.object({
  nodes: z.array(scenarioNodeSchema).max(5_000, 'a scenario holds at most 5,000 nodes'),
  edges: z.array(scenarioEdgeSchema).max(20_000, 'a scenario holds at most 20,000 edges'),
});

export type Position = z.infer<typeof positionSchema>;
export type ScenarioNode = z.infer<typeof scenarioNodeSchema>;
export type ScenarioNodeInput = z.input<typeof scenarioNodeSchema>;
export type ScenarioEdge = z.infer<typeof scenarioEdgeSchema>;
export type ScenarioGraph = z.infer<typeof scenarioGraphSchema>;
export type Viewport = z.infer<typeof viewportSchema>;
