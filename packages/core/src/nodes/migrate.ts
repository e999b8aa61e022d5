import type { ScenarioNode } from '../schemas/graph.js';
import { getNodeDefinition } from './registry.js';

export type MigrationResult =
  | { readonly ok: true; readonly node: ScenarioNode; readonly migrated: boolean }
  | { readonly ok: false; readonly message: string };

/**
 * Brings a node saved with an older definition version up to the current one by applying each
 * migration in turn. Unknown types and versions newer than this build are reported, not guessed.
 */
export function migrateNode(node: ScenarioNode): MigrationResult {
  const def = getNodeDefinition(node.type);
  if (!def) return { ok: false, message: `node "${node.id}" has unknown type "${node.type}"` };
  if (node.version > def.version) {
    return {
      ok: false,
      message: `node "${node.id}" was saved with ${node.type} version ${node.version}, newer than this server's version ${def.version}`,
    };
  }
  let config = node.config;
  for (let version = node.version; version < def.version; version++) {
    const step = def.migrations[version];
    if (!step) {
      return {
        ok: false,
        message: `node "${node.id}": no migration of ${node.type} from version ${version}`,
      };
    }
    config = step(config);
  }
  const migrated = node.version !== def.version;
  return { ok: true, migrated, node: migrated ? { ...node, version: def.version, config } : node };
}

/** Migrates every node; the problems name each node that could not be migrated. */
export function migrateNodes(nodes: readonly ScenarioNode[]): { nodes: ScenarioNode[]; problems: string[] } {
  const out: ScenarioNode[] = [];
  const problems: string[] = [];
  for (const node of nodes) {
    const result = migrateNode(node);
    if (result.ok) out.push(result.node);
    else {
      problems.push(result.message);
      out.push(node);
    }
  }
  return { nodes: out, problems };
}
