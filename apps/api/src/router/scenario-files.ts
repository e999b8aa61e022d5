import {
  type ExistingScenario,
  exportScenariosInput,
  type ImportPlan,
  type ImportProblem,
  importScenariosInput,
  type PlannedScenario,
  planScenarioImport,
  registryLookup,
  type ScenarioFile,
  scenarioFileNames,
  toScenarioFile,
  validateGraph,
  type WorkspaceCatalog,
} from '@weft/core';
import { listAppKeys, listConnectionNames, listLiveScenarios, newObjectId, type ScenarioDoc } from '@weft/db';
import { TRPCError } from '@trpc/server';
import { onFailureProblem } from '../failure-handler.js';
import type { ObjectId } from '../ids.js';
import { type Context, createCallerFactory, createTRPCRouter, protectedProcedure } from '../trpc.js';
import { scenariosRouter } from './scenarios.js';

type Scoped = Context & { workspaceId: ObjectId };

/** Writes go through the scenario procedures, so a file is checked exactly like an edit in the editor. */
const scenarioCaller = createCallerFactory(scenariosRouter);

async function liveScenarios(ctx: Scoped): Promise<ScenarioDoc[]> {
  return listLiveScenarios(ctx.deps.database.models, ctx.workspaceId);
}

/** The workspace's apps by key and connections by app key and name. */
async function appCatalog(ctx: Scoped): Promise<Omit<WorkspaceCatalog, 'scenarios'>> {
  const { models } = ctx.deps.database;
  const apps = await listAppKeys(models, ctx.workspaceId);
  const connections = await listConnectionNames(models, ctx.workspaceId);
  const keyOf = new Map(apps.map((app) => [app._id.toHexString(), app.key]));
  return {
    apps: apps.map((app) => ({ id: app._id.toHexString(), key: app.key })),
    connections: connections.flatMap((c) => {
      const appKey = keyOf.get(c.appId.toHexString());
      return appKey ? [{ id: c._id.toHexString(), appKey, name: c.name }] : [];
    }),
  };
}

function existingOf(doc: ScenarioDoc): ExistingScenario {
  return {
    id: doc._id.toHexString(),
    name: doc.name,
    description: doc.description,
    onFailure: doc.onFailure?.toHexString() ?? null,
    flowControl: doc.flowControl ?? null,
    draft: { nodes: doc.draft.nodes, edges: doc.draft.edges },
  };
}

/** What only the server can check before anything is written: handlers that exist already, and (publishing) valid graphs. */
async function serverProblems(ctx: Scoped, plan: ImportPlan, publish: boolean): Promise<ImportProblem[]> {
  const problems: ImportProblem[] = [];
  const created = new Set(plan.scenarios.filter((s) => s.action === 'create').map((s) => s.scenarioId));
  for (const planned of plan.scenarios) {
    // A handler the same import creates is new, hence unpublished: nothing to check yet.
    if (planned.onFailure && !created.has(planned.onFailure)) {
      const problem = await onFailureProblem(ctx, planned.scenarioId, planned.onFailure, 'save');
      if (problem) problems.push({ path: planned.path, message: `onFailure: ${problem}` });
    }
    if (publish) {
      for (const problem of validateGraph(planned.draft, registryLookup)) {
        problems.push({ path: planned.path, message: `cannot be published: ${problem.message}` });
      }
    }
  }
  return problems;
}

/** Scenarios another one of the set calls or hands its failures to come first, so each publish finds its targets published. */
function publishOrder(scenarios: readonly PlannedScenario[]): PlannedScenario[] {
  const byId = new Map(scenarios.map((s) => [s.scenarioId, s]));
  const ordered: PlannedScenario[] = [];
  const visiting = new Set<string>();
  const visit = (scenario: PlannedScenario) => {
    if (ordered.includes(scenario) || visiting.has(scenario.scenarioId)) return;
    visiting.add(scenario.scenarioId);
    const targets = [
      scenario.onFailure,
      ...scenario.draft.nodes.map((n) => (n.type === 'scenario.call' ? n.config.scenarioId : undefined)),
    ];
    for (const target of targets) {
      const dependency = typeof target === 'string' ? byId.get(target) : undefined;
      if (dependency) visit(dependency);
    }
    ordered.push(scenario);
  };
  for (const scenario of scenarios) visit(scenario);
  return ordered;
}

function planView(planned: PlannedScenario, dryRun: boolean) {
  return {
    path: planned.path,
    name: planned.name,
    action: planned.action,
    /** null for a scenario a dry run would create: it gets its id when created. */
    scenarioId: planned.action === 'create' && dryRun ? null : planned.scenarioId,
    diff: planned.diff,
    descriptionChanged: planned.descriptionChanged,
    onFailureChanged: planned.onFailureChanged,
    flowControlChanged: planned.flowControlChanged,
  };
}

/** Saves each planned draft; new scenarios are created first so references between them resolve. */
async function applyPlan(
  ctx: Scoped,
  files: readonly { path: string; content: unknown }[],
  first: ImportPlan,
) {
  const scenarios = scenarioCaller(ctx);
  for (const planned of first.scenarios.filter((s) => s.action === 'create')) {
    await scenarios.create({ name: planned.name, description: planned.description });
  }
  // Planned again against the scenarios as they are now: the created ones have their real ids.
  const docs = await liveScenarios(ctx);
  const replanned = planScenarioImport({
    files,
    existing: docs.map(existingOf),
    catalog: await appCatalog(ctx),
    newId: () => newObjectId().toHexString(),
  });
  if (replanned.problems.length > 0) {
    throw new TRPCError({
      code: 'CONFLICT',
      message: `the workspace changed during the import: ${replanned.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
    });
  }
  const byId = new Map(docs.map((doc) => [doc._id.toHexString(), doc]));
  for (const planned of replanned.scenarios) {
    if (planned.action === 'unchanged') continue;
    const doc = byId.get(planned.scenarioId);
    if (!doc) continue;
    await scenarios.updateDraft({
      id: planned.scenarioId,
      revision: doc.revision,
      description: planned.description,
      onFailure: planned.onFailure,
      draft: { ...planned.draft, viewport: doc.draft.viewport ?? null },
    });
    if (planned.flowControlChanged)
      await scenarios.setFlowControl({ id: planned.scenarioId, flowControl: planned.flowControl });
  }
  return replanned.scenarios;
}

async function publishChanged(ctx: Scoped, applied: readonly PlannedScenario[]) {
  const scenarios = scenarioCaller(ctx);
  const published: { name: string; scenarioId: string; version: number }[] = [];
  for (const planned of publishOrder(applied)) {
    const { against, diff } = await scenarios.diff({ id: planned.scenarioId });
    if (against && diff.unchanged && !planned.onFailureChanged && !planned.flowControlChanged) continue;
    try {
      const result = await scenarios.publish({ id: planned.scenarioId });
      published.push({ name: planned.name, scenarioId: planned.scenarioId, version: result.version.version });
    } catch (error) {
      const done = published.map((p) => `"${p.name}"`).join(', ') || 'none';
      throw new TRPCError({
        code: error instanceof TRPCError ? error.code : 'INTERNAL_SERVER_ERROR',
        message: `the drafts were saved, published so far: ${done}; ${error instanceof Error ? error.message : String(error)}`,
        cause: error,
      });
    }
  }
  return published;
}

/** Scenarios as files (see the core README, "Scenario files"): export and import, matched by name. */
export const scenarioFilesRouter = createTRPCRouter({
  /**
   * Live scenarios' drafts as files: apps by key, connections by app key and name, scenarios by
   * name; never an id or a secret. Refused (BAD_REQUEST) with the list when a draft refers to
   * something that no longer exists or whose name is shared (it would not resolve back).
   */
  export: protectedProcedure.input(exportScenariosInput).query(async ({ ctx, input }) => {
    const docs = await liveScenarios(ctx);
    const chosen = input.ids ? docs.filter((doc) => input.ids?.includes(doc._id.toHexString())) : docs;
    const missing = (input.ids ?? []).filter((id) => !docs.some((doc) => doc._id.toHexString() === id));
    if (missing.length > 0) {
      throw new TRPCError({
        code: 'NOT_FOUND',
        message: `no scenario with the id ${missing.map((id) => `"${id}"`).join(', ')} in this workspace`,
      });
    }
    const catalog: WorkspaceCatalog = {
      ...(await appCatalog(ctx)),
      scenarios: docs.map((doc) => ({ id: doc._id.toHexString(), name: doc.name })),
    };
    const names = scenarioFileNames(chosen.map((doc) => doc.name));
    const files: { path: string; scenario: ScenarioFile }[] = [];
    const problems: string[] = [];
    chosen.forEach((doc, index) => {
      const result = toScenarioFile({ ...existingOf(doc), draft: doc.draft }, catalog);
      if (result.ok)
        files.push({ path: names[index] ?? `${doc._id.toHexString()}.json`, scenario: result.file });
      else problems.push(...result.problems.map((problem) => `scenario "${doc.name}": ${problem}`));
    });
    if (problems.length > 0) {
      throw new TRPCError({
        code: 'BAD_REQUEST',
        message: `cannot export: ${problems.length} reference${problems.length === 1 ? '' : 's'} would not resolve: ${problems.join('; ')}`,
      });
    }
    return { files };
  }),

  /**
   * The plan of importing `files` (create / update / unchanged per scenario, with the draft's
   * diff) and every problem. Without `dryRun` and with no problem it saves the drafts (and
   * publishes, with `publish`); with any problem nothing is written.
   */
  import: protectedProcedure.input(importScenariosInput).mutation(async ({ ctx, input }) => {
    const plan = planScenarioImport({
      files: input.files,
      existing: (await liveScenarios(ctx)).map(existingOf),
      catalog: await appCatalog(ctx),
      newId: () => newObjectId().toHexString(),
    });
    const problems = [...plan.problems, ...(await serverProblems(ctx, plan, input.publish))];
    if (input.dryRun || problems.length > 0) {
      return {
        dryRun: input.dryRun,
        applied: false,
        scenarios: plan.scenarios.map((s) => planView(s, true)),
        problems,
        published: [],
      };
    }
    const applied = await applyPlan(ctx, input.files, plan);
    const savedIds = new Map(applied.map((s) => [s.name, s.scenarioId]));
    const published = input.publish ? await publishChanged(ctx, applied) : [];
    return {
      dryRun: false,
      applied: true,
      scenarios: plan.scenarios.map((s) =>
        planView({ ...s, scenarioId: savedIds.get(s.name) ?? s.scenarioId }, false),
      ),
      problems,
      published,
    };
  }),
});
