import {
  CODE_LIMITS,
  createScenarioInput,
  diffGraphs,
  diffScenarioInput,
  dryRun,
  dryRunInput,
  duplicateScenarioInput,
  type GraphProblem,
  type GraphShape,
  idInput,
  listScenariosInput,
  oauth2ConnectionIds,
  oauth2ConnectionProblems,
  registryLookup,
  type ScenarioNode,
  scenarioVersionInput,
  setScenarioEnabledInput,
  normalizedFlowControl,
  setScenarioFlowControlInput,
  setScenarioOnFailureInput,
  updateDraftInput,
  validateGraph,
  validateScenarioInput,
  webhookTriggerInput,
  withCodeBudget,
} from '@weft/core';
import { inBackgroundLane } from '@weft/core/expression-workers';
import { runCodeInSandbox } from '@weft/core/sandbox';
import {
  archiveScenario,
  createScenario,
  duplicateScenario,
  findAppIds,
  findConnectionsOAuth2,
  findDelivery,
  findScenario,
  findScenarioVersion,
  findScenarioVersionByNumber,
  listScenarios,
  listScenarioVersions,
  publishScenario,
  type ScenarioDoc,
  type ScenarioVersionDoc,
  saveDraft,
  setScenarioEnabled,
  setScenarioFlowControl,
  setScenarioOnFailure,
  toObjectId,
} from '@weft/db';
import { TRPCError } from '@trpc/server';
import { onFailureError, onFailureProblem } from '../failure-handler.js';
import type { ObjectId } from '../ids.js';
import { type Context, createTRPCRouter, GraphProblemsError, notFound, protectedProcedure } from '../trpc.js';
import { callTargetProblems } from './call-targets.js';
import { replyConflictProblems } from './reply-targets.js';
import { scenarioSummaryView, scenarioView, versionDetailView, versionView } from '../views.js';

type Scoped = Context & { workspaceId: ObjectId };

async function loadScenario(ctx: Scoped, id: string): Promise<ScenarioDoc> {
  const doc = await findScenario(ctx.deps.database.models, ctx.workspaceId, id);
  if (!doc) throw notFound('scenario', id);
  return doc;
}

async function loadVersionNumber(
  ctx: Scoped,
  scenario: ScenarioDoc,
  version: number,
): Promise<ScenarioVersionDoc> {
  const doc = await findScenarioVersionByNumber(
    ctx.deps.database.models,
    ctx.workspaceId,
    scenario._id.toHexString(),
    version,
  );
  if (!doc) {
    throw new TRPCError({
      code: 'NOT_FOUND',
      message: `scenario "${scenario.name}" has no version ${version}${scenario.version > 0 ? ` (the latest is ${scenario.version})` : ' (it was never published)'}`,
    });
  }
  return doc;
}

async function publishedVersion(ctx: Scoped, scenario: ScenarioDoc): Promise<ScenarioVersionDoc | null> {
  if (!scenario.publishedVersionId) return null;
  const version = await findScenarioVersion(ctx.deps.database.models, scenario.publishedVersionId);
  return version?.workspaceId.equals(ctx.workspaceId) ? version : null;
}

/** HTTP requests with `auth: oauth2` whose connection (of this workspace) has no OAuth2 configuration. */
async function oauth2Problems(ctx: Scoped, graph: GraphShape): Promise<GraphProblem[]> {
  const ids = [...new Set(oauth2ConnectionIds(graph))];
  if (ids.length === 0) return [];
  const found = await findConnectionsOAuth2(
    ctx.deps.database.models,
    ctx.workspaceId,
    ids.map((id) => toObjectId(id, 'connectionId')),
  );
  const facts = new Map(found.map((c) => [c._id.toHexString(), { name: c.name, oauth2: c.oauth2 != null }]));
  return oauth2ConnectionProblems(graph, facts);
}

/**
 * `validateGraph` plus what only the server knows: a webhook trigger must name an app of this
 * workspace, and only one published scenario per app may answer its webhooks.
 */
async function graphProblems(ctx: Scoped, graph: GraphShape, scenario: ScenarioDoc): Promise<GraphProblem[]> {
  const problems = validateGraph(graph, registryLookup);
  problems.push(...(await callTargetProblems(ctx.deps.database.models, ctx.workspaceId, scenario, graph)));
  problems.push(...(await replyConflictProblems(ctx.deps.database.models, ctx.workspaceId, scenario, graph)));
  problems.push(...(await oauth2Problems(ctx, graph)));
  const webhookTriggers = graph.nodes.filter(
    (node) =>
      node.type === 'trigger.webhook' &&
      typeof node.config.appId === 'string' &&
      /^[0-9a-f]{24}$/.test(node.config.appId),
  );
  if (webhookTriggers.length === 0) return problems;
  const appIds = [...new Set(webhookTriggers.map((node) => node.config.appId as string))];
  const found = await findAppIds(
    ctx.deps.database.models,
    ctx.workspaceId,
    appIds.map((id) => toObjectId(id)),
  );
  const known = new Set(found.map((app) => app._id.toHexString()));
  for (const node of webhookTriggers) {
    const appId = node.config.appId as string;
    if (known.has(appId)) continue;
    problems.push({
      code: 'invalid_config',
      nodeId: node.id,
      path: ['appId'],
      message: `Node "${node.id}" (${node.type}) field "appId": no app with the id "${appId}" in this workspace`,
    });
  }
  return problems;
}

/** What a trigger node outputs in a preview when no payload is given. */
function defaultTriggerPayload(nodes: readonly ScenarioNode[], now: Date): unknown {
  const trigger = nodes.find((node) => node.type.startsWith('trigger.'));
  switch (trigger?.type) {
    case 'trigger.webhook':
      return { body: {}, headers: {}, deliveryId: 'dry-run', receivedAt: now.toISOString() };
    case 'trigger.manual':
      return trigger.config.sampleInput ?? {};
    case 'trigger.schedule':
      return { firedAt: now.toISOString(), scheduledFor: now.toISOString() };
    default:
      return {};
  }
}

/**
 * CPU time all code nodes of one preview may take together: they run on the api's thread, so a
 * loop of slow code must not hold it for long. Three times the longest limit a node may set.
 */
export const DRY_RUN_CODE_BUDGET_MS = 3 * CODE_LIMITS.maxTimeLimitMs;

export const scenariosRouter = createTRPCRouter({
  /** Live scenarios, most recently updated first, without graphs; filters combine. */
  list: protectedProcedure.input(listScenariosInput).query(async ({ ctx, input }) => {
    const page = await listScenarios(ctx.deps.database.models, {
      workspaceId: ctx.workspaceId,
      limit: input.limit,
      cursor: input.cursor ?? null,
      ...(input.enabled === undefined ? {} : { enabled: input.enabled }),
      ...(input.appId ? { appId: input.appId } : {}),
      ...(input.name ? { name: input.name } : {}),
    });
    return { items: page.items.map(scenarioSummaryView), nextCursor: page.nextCursor };
  }),

  create: protectedProcedure.input(createScenarioInput).mutation(async ({ ctx, input }) => {
    const doc = await createScenario(ctx.deps.database.models, ctx.workspaceId, input, ctx.deps.clock());
    return scenarioView(doc);
  }),

  get: protectedProcedure
    .input(idInput)
    .query(async ({ ctx, input }) => scenarioView(await loadScenario(ctx, input.id))),

  /** Saves the draft if `revision` is still the current one; else CONFLICT naming the current revision. */
  updateDraft: protectedProcedure.input(updateDraftInput).mutation(async ({ ctx, input }) => {
    if (input.onFailure) {
      const problem = await onFailureProblem(ctx, input.id, input.onFailure, 'save');
      if (problem) throw onFailureError(problem);
    }
    const result = await saveDraft(
      ctx.deps.database.models,
      ctx.workspaceId,
      input.id,
      {
        revision: input.revision,
        draft: input.draft,
        ...(input.name === undefined ? {} : { name: input.name }),
        ...(input.description === undefined ? {} : { description: input.description }),
        ...(input.onFailure === undefined ? {} : { onFailure: input.onFailure }),
      },
      ctx.deps.clock(),
    );
    if (result.ok) return scenarioView(result.scenario);
    if (result.reason === 'not_found') throw notFound('scenario', input.id);
    throw new TRPCError({
      code: 'CONFLICT',
      message: `the scenario was changed since revision ${input.revision}: the current revision is ${result.currentRevision}; reload it and apply your changes again`,
    });
  }),

  /** Every problem of the saved draft, or of `draft` when given (what the editor shows before saving). */
  validate: protectedProcedure.input(validateScenarioInput).query(async ({ ctx, input }) => {
    const scenario = await loadScenario(ctx, input.id);
    const graph = input.draft ?? scenario.draft;
    const problems = await graphProblems(ctx, graph, scenario);
    return { valid: problems.length === 0, revision: scenario.revision, problems };
  }),

  /**
   * Freezes the draft as the next immutable version; refused (BAD_REQUEST, `data.problems`)
   * when invalid. The draft revision that was validated is the one published: a save in between
   * is a CONFLICT, never an unvalidated publish.
   */
  publish: protectedProcedure.input(idInput).mutation(async ({ ctx, input }) => {
    const scenario = await loadScenario(ctx, input.id);
    if (scenario.onFailure) {
      const problem = await onFailureProblem(ctx, input.id, scenario.onFailure.toHexString(), 'publish');
      if (problem) throw onFailureError(`scenario "${scenario.name}" cannot be published: ${problem}`);
    }
    const problems = await graphProblems(ctx, scenario.draft, scenario);
    if (problems.length > 0) {
      const listed = problems.map((problem) => problem.message).join(' ');
      throw new TRPCError({
        code: 'BAD_REQUEST',
        message: `scenario "${scenario.name}" cannot be published: ${problems.length} problem${problems.length === 1 ? '' : 's'}: ${listed}`,
        cause: new GraphProblemsError('invalid graph', problems),
      });
    }
    const result = await publishScenario(ctx.deps.database.models, ctx.workspaceId, input.id, {
      expectedRevision: scenario.revision,
      now: ctx.deps.clock(),
    });
    if (!result.ok && result.reason === 'not_found') throw notFound('scenario', input.id);
    if (!result.ok) {
      throw new TRPCError({
        code: 'CONFLICT',
        message:
          'the scenario was changed or published by someone else meanwhile; reload it and publish again',
      });
    }
    return {
      version: versionView(result.version),
      scenario: scenarioView(await loadScenario(ctx, input.id)),
    };
  }),

  /** Published versions, newest first (without graphs). */
  versions: protectedProcedure.input(idInput).query(async ({ ctx, input }) => {
    const scenario = await loadScenario(ctx, input.id);
    const rows = await listScenarioVersions(ctx.deps.database.models, ctx.workspaceId, input.id);
    return rows.map((row) => ({
      ...versionView({ ...row, scenarioId: scenario._id }),
      published: scenario.publishedVersionId?.equals(row._id) ?? false,
    }));
  }),

  /** One published version with its frozen graph. */
  version: protectedProcedure.input(scenarioVersionInput).query(async ({ ctx, input }) => {
    const scenario = await loadScenario(ctx, input.id);
    return versionDetailView(await loadVersionNumber(ctx, scenario, input.version));
  }),

  /**
   * What publishing the draft would change: nodes and edges added, removed, changed (with the
   * fields), nodes moved; against the published version or `version`. Before the first publish
   * everything in the draft is added.
   */
  diff: protectedProcedure.input(diffScenarioInput).query(async ({ ctx, input }) => {
    const scenario = await loadScenario(ctx, input.id);
    const base =
      input.version === undefined
        ? await publishedVersion(ctx, scenario)
        : await loadVersionNumber(ctx, scenario, input.version);
    const before: GraphShape = base ?? { nodes: [], edges: [] };
    return {
      against: base ? { id: base._id.toHexString(), version: base.version } : null,
      revision: scenario.revision,
      diff: diffGraphs(before, scenario.draft),
    };
  }),

  /** Disabled scenarios keep their versions but webhooks no longer start them (manual runs still do). */
  setEnabled: protectedProcedure.input(setScenarioEnabledInput).mutation(async ({ ctx, input }) => {
    const found = await setScenarioEnabled(
      ctx.deps.database.models,
      ctx.workspaceId,
      input.id,
      input.enabled,
      ctx.deps.clock(),
    );
    if (!found) throw notFound('scenario', input.id);
    return scenarioView(await loadScenario(ctx, input.id));
  }),

  /**
   * Sets the scenario that runs when a run of this one ends failed or dead (null: none), checked
   * like on `updateDraft`; the draft's revision stays, and the next publish applies it.
   */
  setOnFailure: protectedProcedure.input(setScenarioOnFailureInput).mutation(async ({ ctx, input }) => {
    await loadScenario(ctx, input.id);
    if (input.onFailure) {
      const problem = await onFailureProblem(ctx, input.id, input.onFailure, 'save');
      if (problem) throw onFailureError(problem);
    }
    const found = await setScenarioOnFailure(
      ctx.deps.database.models,
      ctx.workspaceId,
      input.id,
      input.onFailure,
      ctx.deps.clock(),
    );
    if (!found) throw notFound('scenario', input.id);
    return scenarioView(await loadScenario(ctx, input.id));
  }),

  /**
   * Sets (null removes) the draft's flow control: concurrency, throttle and debounce per key, each
   * key an expression over the trigger input. Checked by core's `flowControlSchema` (an error names
   * the field, e.g. `flowControl.concurrency.key`); applies from the next publish.
   */
  setFlowControl: protectedProcedure.input(setScenarioFlowControlInput).mutation(async ({ ctx, input }) => {
    const found = await setScenarioFlowControl(
      ctx.deps.database.models,
      ctx.workspaceId,
      input.id,
      normalizedFlowControl(input.flowControl),
      ctx.deps.clock(),
    );
    if (!found) throw notFound('scenario', input.id);
    return scenarioView(await loadScenario(ctx, input.id));
  }),

  /** A new, disabled, unpublished scenario with a copy of the draft ("<name> (copy)" unless named). */
  duplicate: protectedProcedure.input(duplicateScenarioInput).mutation(async ({ ctx, input }) => {
    const copy = await duplicateScenario(ctx.deps.database.models, ctx.workspaceId, input.id, input.name);
    if (!copy) throw notFound('scenario', input.id);
    return scenarioView(copy);
  }),

  /**
   * Archives the scenario: it stops running and leaves every list and lookup; its versions and
   * runs are kept (run history stays readable, `runs.list({ scenarioId })` included).
   */
  delete: protectedProcedure.input(idInput).mutation(async ({ ctx, input }) => {
    const archived = await archiveScenario(
      ctx.deps.database.models,
      ctx.workspaceId,
      input.id,
      ctx.deps.clock(),
    );
    if (!archived) throw notFound('scenario', input.id);
    return { id: input.id, archived: true as const };
  }),

  /**
   * A preview through the same node code with simulated effects (code nodes run in the runner's
   * sandbox, all of them within `DRY_RUN_CODE_BUDGET_MS` of CPU time): HTTP answered by each node's
   * mock, secrets as placeholders, waits take no time; nothing is stored, nothing is called.
   * Runs the saved draft, an unsaved `draft`, or a published `version`, with `trigger` as the
   * trigger's output, or the stored body and headers of delivery `deliveryId`, or a default
   * sample. `pinnedOutputs` replace chosen nodes' outputs (those nodes do not run).
   */
  dryRun: protectedProcedure.input(dryRunInput).mutation(async ({ ctx, input }) => {
    const { models } = ctx.deps.database;
    const scenario = await loadScenario(ctx, input.id);
    const now = ctx.deps.clock();
    let graph: GraphShape;
    let source: { kind: 'draft'; revision: number | null } | { kind: 'version'; version: number };
    if (input.version !== undefined) {
      const version = await loadVersionNumber(ctx, scenario, input.version);
      graph = { nodes: version.nodes, edges: version.edges };
      source = { kind: 'version', version: version.version };
    } else if (input.draft) {
      graph = input.draft;
      source = { kind: 'draft', revision: null };
    } else {
      graph = scenario.draft;
      source = { kind: 'draft', revision: scenario.revision };
    }

    const unknownPins = Object.keys(input.pinnedOutputs ?? {}).filter(
      (nodeId) => !graph.nodes.some((node) => node.id === nodeId),
    );
    if (unknownPins.length > 0) {
      throw new TRPCError({
        code: 'BAD_REQUEST',
        message: `pinnedOutputs: no node ${unknownPins.map((id) => `"${id}"`).join(', ')} in this graph`,
      });
    }

    let trigger: unknown;
    let triggerSource: 'payload' | 'delivery' | 'default';
    if (input.deliveryId) {
      const delivery = await findDelivery(models, ctx.workspaceId, input.deliveryId);
      if (!delivery) throw notFound('delivery', input.deliveryId);
      trigger = webhookTriggerInput(delivery);
      triggerSource = 'delivery';
    } else if (input.trigger !== undefined) {
      trigger = input.trigger;
      triggerSource = 'payload';
    } else {
      trigger = defaultTriggerPayload(graph.nodes, now);
      triggerSource = 'default';
    }

    const problems = await graphProblems(ctx, graph, scenario);
    // A preview's expressions leave a worker free for trigger filters (README, "Security").
    const result = await inBackgroundLane(() =>
      dryRun({
        runCode: withCodeBudget(runCodeInSandbox, DRY_RUN_CODE_BUDGET_MS),
        scenarioId: scenario._id.toHexString(),
        graph,
        trigger,
        ...(input.pinnedOutputs ? { pinnedOutputs: input.pinnedOutputs } : {}),
        now,
      }),
    );
    return {
      source,
      trigger: { source: triggerSource, value: trigger },
      /** Validation problems of the graph that ran (a preview runs even when there are some). */
      problems,
      status: result.status,
      error: result.error,
      nodes: result.nodes.map((node) => ({
        nodeId: node.nodeId,
        status: node.status,
        handled: node.handled,
        pinned: node.pinned,
        attempts: node.attempts,
        output: node.output,
        error: node.error,
        durationMs: node.durationMs,
        firedHandles: node.firedHandles,
        logs: node.logs.map((log) => ({
          level: log.level,
          message: log.message,
          data: log.data === undefined ? null : log.data,
        })),
        /** Requests the node would have sent (answered by the simulation, not sent). */
        requests: node.requests,
        /** A for-each loop's items, each with its body steps (null for other nodes). */
        items: node.items,
      })),
      skipped: result.skipped,
      /** What the webhook's caller would be answered (respond: "node"); null: 202 as usual. */
      webhookReply: result.webhookReply,
    };
  }),
});
