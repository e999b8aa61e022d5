import type { z } from 'zod';
import { type FlowControl, normalizedFlowControl } from '../../flow/schema.js';
import { migrateNodes } from '../../nodes/migrate.js';
import type { ScenarioEdge, ScenarioNode } from '../../schemas/graph.js';
import { diffGraphs, type GraphDiff } from '../diff.js';
import { type ScenarioFile, scenarioFileSchema } from './format.js';
import { fromFileReferences, type WorkspaceCatalog } from './references.js';

/** A file handed to an import: where it came from (shown in problems) and its parsed JSON. */
export interface ImportFile {
  readonly path: string;
  readonly content: unknown;
}

/** A live scenario of the workspace, as the import compares it. */
export interface ExistingScenario {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly onFailure: string | null;
  readonly flowControl?: FlowControl | null;
  readonly draft: { readonly nodes: readonly ScenarioNode[]; readonly edges: readonly ScenarioEdge[] };
}

export type ImportAction = 'create' | 'update' | 'unchanged';

export interface PlannedScenario {
  readonly path: string;
  readonly name: string;
  readonly action: ImportAction;
  /** The existing scenario's id, or the id the created one will get. */
  readonly scenarioId: string;
  /** The file's graph against the current draft (against nothing when created). */
  readonly diff: GraphDiff;
  readonly descriptionChanged: boolean;
  readonly onFailureChanged: boolean;
  readonly flowControlChanged: boolean;
  /** What the draft becomes, with ids. */
  readonly draft: { readonly nodes: ScenarioNode[]; readonly edges: ScenarioEdge[] };
  readonly description: string;
  readonly onFailure: string | null;
  /** The file's flow control, or null (none). */
  readonly flowControl: FlowControl | null;
}

export interface ImportProblem {
  readonly path: string;
  readonly message: string;
}

export interface ImportPlan {
  readonly scenarios: PlannedScenario[];
  /** Empty means the plan may be applied; otherwise nothing may be written. */
  readonly problems: ImportProblem[];
}

function issueList(error: z.ZodError): string[] {
  return error.issues.map((issue) =>
    issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
  );
}

/**
 * What importing `files` would do to the workspace, and everything that stops it. Scenarios are
 * matched by name; a file's references resolve against the catalog and against the scenarios the
 * same import creates (`newId` gives those their ids up front, so calls between them resolve).
 */
export function planScenarioImport(input: {
  readonly files: readonly ImportFile[];
  readonly existing: readonly ExistingScenario[];
  readonly catalog: Omit<WorkspaceCatalog, 'scenarios'>;
  readonly newId: () => string;
}): ImportPlan {
  const problems: ImportProblem[] = [];
  const parsed: { path: string; file: ScenarioFile }[] = [];
  for (const { path, content } of input.files) {
    const result = scenarioFileSchema.safeParse(content);
    if (result.success) parsed.push({ path, file: result.data });
    else for (const message of issueList(result.error)) problems.push({ path, message });
  }

  const byName = new Map<string, ExistingScenario[]>();
  for (const scenario of input.existing)
    byName.set(scenario.name, [...(byName.get(scenario.name) ?? []), scenario]);
  const seen = new Map<string, string>();
  const targets: { path: string; file: ScenarioFile; current: ExistingScenario | null; id: string }[] = [];
  for (const { path, file } of parsed) {
    const earlier = seen.get(file.name);
    if (earlier !== undefined) {
      problems.push({
        path,
        message: `scenario "${file.name}" is also in ${earlier}; each scenario may be in one file`,
      });
      continue;
    }
    seen.set(file.name, path);
    const matches = byName.get(file.name) ?? [];
    if (matches.length > 1) {
      problems.push({
        path,
        message: `${matches.length} scenarios of the workspace are named "${file.name}"; rename all but one first`,
      });
      continue;
    }
    const current = matches[0] ?? null;
    targets.push({ path, file, current, id: current?.id ?? input.newId() });
  }

  const catalog: WorkspaceCatalog = {
    ...input.catalog,
    scenarios: [
      ...input.existing.map((s) => ({ id: s.id, name: s.name })),
      ...targets.filter((t) => t.current === null).map((t) => ({ id: t.id, name: t.file.name })),
    ],
  };

  const scenarios: PlannedScenario[] = [];
  for (const { path, file, current, id } of targets) {
    const migrated = migrateNodes(file.nodes);
    const resolved = fromFileReferences(migrated.nodes, file.onFailure, catalog);
    const fileProblems = [...migrated.problems, ...resolved.problems];
    if (resolved.onFailure === id)
      fileProblems.push('onFailure: a scenario cannot be its own failure handler');
    for (const message of fileProblems) problems.push({ path, message });
    if (fileProblems.length > 0) continue;

    const draft = { nodes: resolved.nodes, edges: file.edges };
    const diff = diffGraphs(current?.draft ?? { nodes: [], edges: [] }, draft);
    const descriptionChanged = current !== null && current.description !== file.description;
    const onFailureChanged = current !== null && current.onFailure !== resolved.onFailure;
    const flowControl = normalizedFlowControl(file.flowControl);
    const flowControlChanged =
      current !== null && JSON.stringify(normalizedFlowControl(current.flowControl)) !== JSON.stringify(flowControl);
    const action: ImportAction =
      current === null
        ? 'create'
        : diff.unchanged &&
            diff.nodes.moved.length === 0 &&
            !descriptionChanged &&
            !onFailureChanged &&
            !flowControlChanged
          ? 'unchanged'
          : 'update';
    scenarios.push({
      path,
      name: file.name,
      action,
      scenarioId: id,
      diff,
      descriptionChanged,
      onFailureChanged,
      flowControlChanged,
      draft,
      description: file.description,
      onFailure: resolved.onFailure,
      flowControl,
    });
  }
  return { scenarios, problems };
}
