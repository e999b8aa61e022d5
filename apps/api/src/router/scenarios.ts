import {
  createScenarioInput,
  type GraphProblem,
  type GraphShape,
  graphInput,
  objectIdSchema,
  registryLookup,
  updateDraftInput,
  validateGraph,
} from '@weft/core';
import {
  createScenario,
  findScenario,
  publishScenario,
  type ScenarioDoc,
  saveDraft,
  setScenarioEnabled,
} from '@weft/db';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { ObjectId } from '../ids.js';
import { type Context, createTRPCRouter, GraphProblemsError, protectedProcedure } from '../trpc.js';
import { scenarioView, versionView } from '../views.js';

const idInput = z.object({ id: objectIdSchema });

async function loadScenario(ctx: Context & { workspaceId: ObjectId }, id: string): Promise<ScenarioDoc> {
  const doc = await findScenario(ctx.deps.database.models, ctx.workspaceId, id);
  if (!doc)
    throw new TRPCError({ code: 'NOT_FOUND', message: `no scenario with the id "${id}" in this workspace` });
  return doc;
}

/**
 * `validateGraph` plus what only the server knows: a webhook trigger must name an app of this
 * workspace.
 */
async function graphProblems(
  ctx: Context & { workspaceId: ObjectId },
  graph: GraphShape,
): Promise<GraphProblem[]> {
  const problems = validateGraph(graph, registryLookup);
  const webhookTriggers = graph.nodes.filter(
    (node) =>
      node.type === 'trigger.webhook' &&
      typeof node.config.appId === 'string' &&
      /^[0-9a-f]{24}$/.test(node.config.appId),
  );
  if (webhookTriggers.length === 0) return problems;
  const appIds = [...new Set(webhookTriggers.map((node) => node.config.appId as string))];
  const found = await ctx.deps.database.models.App.find(
    { _id: { $in: appIds }, workspaceId: ctx.workspaceId },
    { _id: 1 },
  )
    .lean<{ _id: ObjectId }[]>()
    .exec();
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

export const scenariosRouter = createTRPCRouter({
  create: protectedProcedure.input(createScenarioInput).mutation(async ({ ctx, input }) => {
    const doc = await createScenario(ctx.deps.database.models, ctx.workspaceId, input, ctx.deps.clock());
    return scenarioView(doc);
  }),

  get: protectedProcedure
    .input(idInput)
    .query(async ({ ctx, input }) => scenarioView(await loadScenario(ctx, input.id))),

  /** Saves the draft if `revision` is still the current one; else CONFLICT naming the current revision. */
  updateDraft: protectedProcedure.input(updateDraftInput).mutation(async ({ ctx, input }) => {
    const result = await saveDraft(
      ctx.deps.database.models,
      ctx.workspaceId,
      input.id,
      {
        revision: input.revision,
        draft: input.draft,
        ...(input.name === undefined ? {} : { name: input.name }),
        ...(input.description === undefined ? {} : { description: input.description }),
      },
      ctx.deps.clock(),
    );
    if (result.ok) return scenarioView(result.scenario);
    if (result.reason === 'not_found') {
      throw new TRPCError({
        code: 'NOT_FOUND',
        message: `no scenario with the id "${input.id}" in this workspace`,
      });
    }
    throw new TRPCError({
      code: 'CONFLICT',
      message: `the scenario was changed since revision ${input.revision}: the current revision is ${result.currentRevision}; reload it and apply your changes again`,
    });
  }),

  /** Every problem of the saved draft, or of `draft` when given (what the editor shows before saving). */
  validate: protectedProcedure
    .input(z.object({ id: objectIdSchema, draft: graphInput.optional() }))
    .query(async ({ ctx, input }) => {
      const graph = input.draft ?? (await loadScenario(ctx, input.id)).draft;
      const problems = await graphProblems(ctx, graph);
      return { valid: problems.length === 0, problems };
    }),

  /** Freezes the draft as the next immutable version; refused (BAD_REQUEST, `data.problems`) when invalid. */
  publish: protectedProcedure.input(idInput).mutation(async ({ ctx, input }) => {
    const scenario = await loadScenario(ctx, input.id);
    const problems = await graphProblems(ctx, scenario.draft);
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
    if (!result.ok && result.reason === 'not_found') {
      throw new TRPCError({
        code: 'NOT_FOUND',
        message: `no scenario with the id "${input.id}" in this workspace`,
      });
    }
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

  /** Disabled scenarios keep their versions but webhooks no longer start them (manual runs still do). */
  setEnabled: protectedProcedure
    .input(z.object({ id: objectIdSchema, enabled: z.boolean() }))
    .mutation(async ({ ctx, input }) => {
      const found = await setScenarioEnabled(
        ctx.deps.database.models,
        ctx.workspaceId,
        input.id,
        input.enabled,
      );
      if (!found) {
        throw new TRPCError({
          code: 'NOT_FOUND',
          message: `no scenario with the id "${input.id}" in this workspace`,
        });
      }
      return scenarioView(await loadScenario(ctx, input.id));
    }),
});
