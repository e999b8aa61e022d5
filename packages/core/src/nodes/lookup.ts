import { findNodeReferences } from '../expressions/validate.js';
import type { GraphNodeTypeInfo, NodeTypeLookup } from '../graph/types.js';
import { nodeConfigProblems } from './config.js';
import { nodeOutputHandles } from './output-handles.js';
import { getNodeDefinition, nodeRegistry } from './registry.js';
import { NODE_TYPES, type NodeDefinition, type NodeType } from './types.js';

function withoutCodeFields(def: NodeDefinition, config: Record<string, unknown>): Record<string, unknown> {
  if (!def.codeFields) return config;
  const rest = { ...config };
  for (const field of def.codeFields) delete rest[field];
  return rest;
}

function infoOf(type: NodeType): GraphNodeTypeInfo {
  const def = nodeRegistry[type];
  return {
    isTrigger: def.category === 'trigger',
    inputs: def.inputs,
    outputsOf: (config) => nodeOutputHandles(def, config),
    isLoop: def.type === 'loop.forEach',
    repliesToWebhook: def.type === 'webhook.respond',
    ...(def.type === 'trigger.webhook' ? { holdsWebhookReply: (config) => config.respond === 'node' } : {}),
    // Code reads `nodes` as data at run time: what it reads cannot be known before, so it is not scanned.
    references: (config) =>
      findNodeReferences(
        withoutCodeFields(def, config),
        def.rawExpressionFields ? { rawFields: def.rawExpressionFields } : {},
      ),
    validateConfig: (config) => nodeConfigProblems(def, config),
  };
}

const infos = new Map(NODE_TYPES.map((type) => [type, infoOf(type)]));

/** The registry as graph algorithms see it. */
export const registryLookup: NodeTypeLookup = (type) =>
  getNodeDefinition(type) ? infos.get(type as NodeType) : undefined;
