import { getNodeDefinition } from '../../nodes/registry.js';
import type { ReferenceKind } from '../../nodes/types.js';
import type { ScenarioNode } from '../../schemas/graph.js';
import {
  appRefSchema,
  connectionRefSchema,
  type FileReference,
  type ScenarioRef,
  scenarioRefSchema,
} from './format.js';

/** The names of a workspace's apps, connections and scenarios, for turning ids into references and back. */
export interface WorkspaceCatalog {
  readonly apps: readonly { readonly id: string; readonly key: string }[];
  readonly connections: readonly { readonly id: string; readonly appKey: string; readonly name: string }[];
  readonly scenarios: readonly { readonly id: string; readonly name: string }[];
}

interface Lookup {
  /** id → reference */
  readonly names: Map<string, FileReference>;
  /** canonical reference → ids (more than one: ambiguous) */
  readonly ids: Map<string, string[]>;
}

function refKey(ref: FileReference): string {
  if ('$app' in ref) return `app\u0000${ref.$app}`;
  if ('$connection' in ref) return `connection\u0000${ref.$connection.app}\u0000${ref.$connection.name}`;
  return `scenario\u0000${ref.$scenario}`;
}

function lookupOf(catalog: WorkspaceCatalog): Lookup {
  const names = new Map<string, FileReference>();
  for (const app of catalog.apps) names.set(app.id, { $app: app.key });
  for (const c of catalog.connections) names.set(c.id, { $connection: { app: c.appKey, name: c.name } });
  for (const s of catalog.scenarios) names.set(s.id, { $scenario: s.name });
  const ids = new Map<string, string[]>();
  for (const [id, ref] of names) {
    const key = refKey(ref);
    ids.set(key, [...(ids.get(key) ?? []), id]);
  }
  return { names, ids };
}

const REF_SCHEMAS = {
  app: appRefSchema,
  connection: connectionRefSchema,
  scenario: scenarioRefSchema,
} as const;
const REF_EXAMPLES: Record<ReferenceKind, string> = {
  app: '{ "$app": "<app key>" }',
  connection: '{ "$connection": { "app": "<app key>", "name": "<connection name>" } }',
  scenario: '{ "$scenario": "<scenario name>" }',
};

function describeRef(ref: FileReference): string {
  if ('$app' in ref) return `no app with the key "${ref.$app}"`;
  if ('$connection' in ref)
    return `no connection named "${ref.$connection.name}" of the app "${ref.$connection.app}"`;
  return `no scenario named "${ref.$scenario}"`;
}

function kindOfRef(ref: FileReference): ReferenceKind {
  return '$app' in ref ? 'app' : '$connection' in ref ? 'connection' : 'scenario';
}

function where(node: ScenarioNode, field: string): string {
  return `node "${node.id}" (${node.type}) field "${field}"`;
}

export interface ReferencesResult<Ref> {
  readonly nodes: ScenarioNode[];
  readonly onFailure: Ref;
  /** Each names the node and field (or `onFailure`) and what does not resolve. */
  readonly problems: string[];
}

/**
 * Stored form → file form: every declared reference field's id becomes a reference by key or
 * name. An id that names nothing in the catalog, or whose name is shared (it would not resolve
 * back to one thing), stays as it is and is reported.
 */
export function toFileReferences(
  nodes: readonly ScenarioNode[],
  onFailure: string | null,
  catalog: WorkspaceCatalog,
): ReferencesResult<ScenarioRef | null> {
  const { names, ids } = lookupOf(catalog);
  const problems: string[] = [];
  /** A reference that would name more than this id on import is no reference. */
  const shared = (ref: FileReference): number => ids.get(refKey(ref))?.length ?? 0;
  const out = nodes.map((node) => {
    const refs = getNodeDefinition(node.type)?.references ?? [];
    if (refs.length === 0) return node;
    const config = { ...node.config };
    for (const { field, kind } of refs) {
      const id = config[field];
      if (id === undefined || id === null || id === '') continue;
      const ref = typeof id === 'string' ? names.get(id) : undefined;
      if (!ref || kindOfRef(ref) !== kind) {
        problems.push(`${where(node, field)}: no ${kind} with the id "${String(id)}" in this workspace`);
      } else if (shared(ref) > 1) {
        problems.push(
          `${where(node, field)}: ${shared(ref)} ${kind}s match ${JSON.stringify(ref)}; rename one`,
        );
      } else config[field] = ref;
    }
    return { ...node, config };
  });
  let failureRef: ScenarioRef | null = null;
  if (onFailure !== null) {
    const ref = names.get(onFailure);
    if (!ref || !('$scenario' in ref)) {
      problems.push(`onFailure: no scenario with the id "${onFailure}" in this workspace`);
    } else if (shared(ref) > 1) {
      problems.push(`onFailure: ${shared(ref)} scenarios match ${JSON.stringify(ref)}; rename one`);
    } else failureRef = ref;
  }
  return { nodes: out, onFailure: failureRef, problems };
}

/**
 * File form → stored form: every declared reference field's reference becomes the id it names in
 * the catalog. A reference that names nothing, or more than one thing, is reported.
 */
export function fromFileReferences(
  nodes: readonly ScenarioNode[],
  onFailure: ScenarioRef | null,
  catalog: WorkspaceCatalog,
): ReferencesResult<string | null> {
  const { ids } = lookupOf(catalog);
  const problems: string[] = [];
  const resolve = (ref: FileReference, at: string): string | undefined => {
    const found = ids.get(refKey(ref)) ?? [];
    if (found.length === 1) return found[0];
    if (found.length === 0) problems.push(`${at}: ${describeRef(ref)} in this workspace`);
    else problems.push(`${at}: ${found.length} ${kindOfRef(ref)}s match ${JSON.stringify(ref)}; rename one`);
    return undefined;
  };
  const out = nodes.map((node) => {
    const refs = getNodeDefinition(node.type)?.references ?? [];
    if (refs.length === 0) return node;
    const config = { ...node.config };
    for (const { field, kind } of refs) {
      const value = config[field];
      if (value === undefined || value === null || value === '') continue;
      const parsed = REF_SCHEMAS[kind].safeParse(value);
      if (!parsed.success) {
        problems.push(
          `${where(node, field)}: must be a reference ${REF_EXAMPLES[kind]}, not ${JSON.stringify(value)}`,
        );
        continue;
      }
      const id = resolve(parsed.data, where(node, field));
      if (id !== undefined) config[field] = id;
    }
    return { ...node, config };
  });
  const failureId = onFailure === null ? null : (resolve(onFailure, 'onFailure') ?? null);
  return { nodes: out, onFailure: failureId, problems };
}
