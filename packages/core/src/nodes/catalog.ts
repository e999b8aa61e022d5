import { z } from 'zod';
import { nodeRegistry } from './registry.js';
import { type ConfigOutputs, hasErrorOutput } from './output-handles.js';
import { NODE_TYPES, type HandleSpec, type NodeCategory, type NodeType } from './types.js';

export interface NodeCatalogEntry {
  readonly type: NodeType;
  readonly version: number;
  readonly title: string;
  readonly description: string;
  readonly category: NodeCategory;
  readonly inputs: readonly HandleSpec[];
  /** The type's fixed outputs; a node's actual ones are `nodeOutputHandles(entry, node.config)`. */
  readonly outputs: readonly HandleSpec[];
  /** Outputs listed in the config (a switch's cases), or null. */
  readonly configOutputs: ConfigOutputs | null;
  /** Whether nodes of the type have the `error` output. */
  readonly errorOutput: boolean;
  /** JSON Schema of the config as a person fills it in (defaults optional); the editor renders forms from it. */
  readonly configJsonSchema: Record<string, unknown>;
  readonly exampleConfig: unknown;
  readonly rawExpressionFields: readonly string[];
  /** Fields holding JavaScript (a code node's `code`): the editor shows a code editor for them. */
  readonly codeFields: readonly string[];
  readonly retry: {
    readonly maxAttempts: number;
    readonly initialDelayMs: number;
    readonly maxDelayMs: number;
  };
}

let cached: readonly NodeCatalogEntry[] | undefined;

/** The node palette: every type with its handles and config JSON Schema. */
export function nodeCatalog(): readonly NodeCatalogEntry[] {
  cached ??= NODE_TYPES.map((type) => {
    const def = nodeRegistry[type];
    return {
      type,
      version: def.version,
      title: def.title,
      description: def.description,
      category: def.category,
      inputs: def.inputs,
      outputs: def.outputs,
      configOutputs: def.configOutputs ?? null,
      errorOutput: hasErrorOutput(def),
      configJsonSchema: z.toJSONSchema(def.configSchema, { io: 'input', unrepresentable: 'any' }) as Record<
        string,
        unknown
      >,
      exampleConfig: def.exampleConfig,
      rawExpressionFields: def.rawExpressionFields ?? [],
      codeFields: def.codeFields ?? [],
      retry: def.retry,
    };
  });
  return cached;
}
