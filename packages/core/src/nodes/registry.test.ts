import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { nodeCatalog } from './catalog.js';
import { nodeConfigProblems } from './config.js';
import { getNodeDefinition, isTriggerType, nodeRegistry } from './registry.js';
import { NODE_TYPES } from './types.js';

describe('node registry', () => {
  it('defines every node type under its own key', () => {
    for (const type of NODE_TYPES) expect(nodeRegistry[type].type).toBe(type);
    expect(Object.keys(nodeRegistry).sort()).toEqual([...NODE_TYPES].sort());
  });

  it('every example config is valid for its schema (fields holding expressions are checked once resolved)', () => {
    for (const type of NODE_TYPES) {
      const def = nodeRegistry[type];
      expect(nodeConfigProblems(def, def.exampleConfig as Record<string, unknown>), type).toEqual([]);
    }
  });

  it('triggers have no inputs and every other node has one', () => {
    for (const type of NODE_TYPES) {
      const def = nodeRegistry[type];
      expect(def.inputs.length, type).toBe(isTriggerType(type) ? 0 : 1);
      expect(def.outputs.length, type).toBeGreaterThan(0);
    }
  });

  it('only nodes that stay inside the run are without effects (their steps may be written late)', () => {
    expect(NODE_TYPES.filter((type) => !nodeRegistry[type].effects)).toEqual([
      'trigger.webhook',
      'trigger.manual',
      'trigger.schedule',
      'logger',
      'transform',
      'condition',
      'merge',
      'switch',
      'code',
    ]);
  });

  it('declares every config field holding a database id as a reference, and only existing fields', () => {
    const idPattern = '^[0-9a-f]{24}$';
    for (const type of NODE_TYPES) {
      const def = nodeRegistry[type];
      const schema = z.toJSONSchema(def.configSchema, { io: 'input', unrepresentable: 'any' }) as {
        properties?: Record<string, { pattern?: string }>;
      };
      const properties = schema.properties ?? {};
      const idFields = Object.keys(properties).filter((field) => properties[field]?.pattern === idPattern);
      expect(def.references.map((ref) => ref.field).sort(), type).toEqual(idFields.sort());
    }
    expect(
      NODE_TYPES.flatMap((type) =>
        nodeRegistry[type].references.map((ref) => `${type}.${ref.field}:${ref.kind}`),
      ),
    ).toEqual([
      'trigger.webhook.appId:app',
      'http.request.connectionId:connection',
      'webhook.send.connectionId:connection',
      'scenario.call.scenarioId:scenario',
      'wait.event.appId:app',
    ]);
  });

  it('unknown types are not found', () => {
    expect(getNodeDefinition('nope')).toBeUndefined();
    expect(getNodeDefinition('toString')).toBeUndefined();
  });

  it('the catalog carries a JSON Schema per node type for the editor forms', () => {
    const catalog = nodeCatalog();
    expect(catalog.map((e) => e.type)).toEqual([...NODE_TYPES]);
    const http = catalog.find((e) => e.type === 'http.request');
    expect(http?.configJsonSchema).toMatchObject({ type: 'object', properties: { url: { type: 'string' } } });
    // io: 'input' → fields with defaults are optional in the form.
    expect(http?.configJsonSchema.required).toEqual(['url']);
    expect(JSON.parse(JSON.stringify(catalog))).toEqual(catalog);
  });
});
