import { type FlowControl, normalizedFlowControl } from '../../flow/schema.js';
import type { ScenarioEdge, ScenarioNode } from '../../schemas/graph.js';
import { SCENARIO_FILE_FORMAT_VERSION, type ScenarioFile } from './format.js';
import { toFileReferences, type WorkspaceCatalog } from './references.js';

export type ExportResult =
  | { readonly ok: true; readonly file: ScenarioFile }
  | { readonly ok: false; readonly problems: string[] };

/**
 * A scenario's draft as a file: ids of apps, connections and scenarios become their keys and
 * names, nothing secret is in a draft to begin with. The viewport is the editor's, not the scenario's.
 */
export function toScenarioFile(
  scenario: {
    readonly name: string;
    readonly description: string;
    readonly onFailure: string | null;
    readonly flowControl?: FlowControl | null;
    readonly draft: { readonly nodes: readonly ScenarioNode[]; readonly edges: readonly ScenarioEdge[] };
  },
  catalog: WorkspaceCatalog,
): ExportResult {
  const refs = toFileReferences(scenario.draft.nodes, scenario.onFailure, catalog);
  if (refs.problems.length > 0) return { ok: false, problems: refs.problems };
  const flowControl = normalizedFlowControl(scenario.flowControl);
  return {
    ok: true,
    file: {
      formatVersion: SCENARIO_FILE_FORMAT_VERSION,
      name: scenario.name,
      description: scenario.description,
      onFailure: refs.onFailure,
      ...(flowControl ? { flowControl } : {}),
      nodes: refs.nodes,
      edges: [...scenario.draft.edges],
    },
  };
}

/** A file name per scenario name: a lowercase slug, numbered when two names make the same slug. */
export function scenarioFileNames(names: readonly string[]): string[] {
  const used = new Set<string>();
  return names.map((name) => {
    const slug =
      name
        .normalize('NFKD')
        .replace(/\p{M}/gu, '')
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 80) || 'scenario';
    let candidate = `${slug}.json`;
    for (let n = 2; used.has(candidate); n++) candidate = `${slug}-${n}.json`;
    used.add(candidate);
    return candidate;
  });
}
