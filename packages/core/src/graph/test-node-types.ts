/**
 * Test-only: a small node type lookup standing in for the registry, so graph tests do not depend
 * on the built-in node definitions.
 */
import { z } from 'zod';
import { nodeOutputHandles } from '../nodes/output-handles.js';
import type { HandleSpec, NodeCategory } from '../nodes/types.js';
import type { ConfigIssue, GraphNodeTypeInfo, NodeTypeLookup } from './types.js';

const input: HandleSpec = { id: 'in', label: 'Input' };
const output: HandleSpec = { id: 'out', label: 'Output' };

function nodeType(spec: {
  isTrigger?: boolean;
  inputs?: readonly HandleSpec[];
  outputs?: readonly HandleSpec[];
  category?: NodeCategory;
  /** Outputs listed in the config under this field (like a switch's cases). */
  configOutputs?: string;
  config?: z.ZodType;
}): GraphNodeTypeInfo {
  const schema = spec.config ?? z.object({}).passthrough();
  const handles = {
    category: spec.category ?? (spec.isTrigger === true ? 'trigger' : 'data'),
    outputs: spec.outputs ?? [output],
    configOutputs: spec.configOutputs ? { field: spec.configOutputs } : null,
  } as const;
  return {
    isTrigger: spec.isTrigger ?? false,
    inputs: spec.inputs ?? (spec.isTrigger === true ? [] : [input]),
    outputsOf: (config) => nodeOutputHandles(handles, config),
    validateConfig: (config) => configIssues(schema, config),
  };
}

/** Like the registry: issues on fields holding a `{{ }}` expression are left to run time. */
function configIssues(schema: z.ZodType, config: Record<string, unknown>): ConfigIssue[] {
  const result = schema.safeParse(config);
  if (result.success) return [];
  return result.error.issues
    .map((issue) => ({
      path: issue.path.filter((key): key is string | number => typeof key !== 'symbol'),
      message: issue.message,
    }))
    .filter((issue) => !holdsExpression(config, issue.path));
}

function holdsExpression(config: unknown, path: readonly (string | number)[]): boolean {
  let value: unknown = config;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return false;
    value = (value as Record<string | number, unknown>)[key];
  }
  return typeof value === 'string' && value.includes('{{');
}

export const testNodeTypes: ReadonlyMap<string, GraphNodeTypeInfo> = new Map([
  ['trigger.webhook', nodeType({ isTrigger: true })],
  ['trigger.manual', nodeType({ isTrigger: true })],
  ['logger', nodeType({})],
  [
    'condition',
    nodeType({
      outputs: [
        { id: 'true', label: 'True' },
        { id: 'false', label: 'False' },
      ],
    }),
  ],
  ['merge', nodeType({ inputs: [{ ...input, multiple: true }] })],
  [
    'switch',
    nodeType({ outputs: [{ id: 'default', label: 'Default' }], configOutputs: 'cases', category: 'logic' }),
  ],
  [
    'http.request',
    nodeType({
      category: 'action',
      config: z.object({
        url: z.url(),
        method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
        headers: z.array(z.object({ name: z.string().min(1), value: z.string() })).default([]),
      }),
    }),
  ],
]);

export const testLookup: NodeTypeLookup = (type) => testNodeTypes.get(type);
