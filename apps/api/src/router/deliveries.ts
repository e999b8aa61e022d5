import { idInput, listDeliveriesInput, redeliverInput, webhookTriggerInput } from '@weft/core';
import {
  addDeliveryRuns,
  createRuns,
  findDelivery,
  findRunSummaries,
  listDeliveries,
  newObjectId,
  newRunOfVersion,
  scheduleRun,
  toObjectId,
} from '@weft/db';
import { TRPCError } from '@trpc/server';
import type { ObjectId } from '../ids.js';
import { loadVersion } from '../runs.js';
import { createTRPCRouter, notFound, protectedProcedure } from '../trpc.js';
import { deliveryRunView, deliverySummaryView, deliveryView } from '../views.js';
import { matchScenarios } from '../webhook/match.js';

export const deliveriesRouter = createTRPCRouter({
  /** Inbound webhooks, newest first, without headers and bodies; optionally of one app. */
  list: protectedProcedure.input(listDeliveriesInput).query(async ({ ctx, input }) => {
    const page = await listDeliveries(ctx.deps.database.models, {
      workspaceId: ctx.workspaceId,
      limit: input.limit,
      cursor: input.cursor ?? null,
      ...(input.appId ? { appId: toObjectId(input.appId, 'appId') } : {}),
    });
    return { items: page.items.map(deliverySummaryView), nextCursor: page.nextCursor };
  }),

  /** One delivery: redacted headers, the raw body as stored, the scheme it was verified with, its runs. */
  get: protectedProcedure.input(idInput).query(async ({ ctx, input }) => {
    const { models } = ctx.deps.database;
    const delivery = await findDelivery(models, ctx.workspaceId, input.id);
    if (!delivery) throw notFound('delivery', input.id);
    const [app, runs] = await Promise.all([
      models.App.findOne({ _id: delivery.appId, workspaceId: ctx.workspaceId }, { signature: 1 })
        .lean<{ signature: { scheme: string } }>()
        .exec(),
      findRunSummaries(models, ctx.workspaceId, delivery.runIds),
    ]);
    return deliveryView(delivery, { scheme: app?.signature.scheme ?? null, runs: runs.map(deliveryRunView) });
  }),

  /**
   * Runs the delivery again: every enabled, published scenario whose webhook trigger (and filter)
   * matches it now, or only those of `scenarioIds`, gets a new run (`trigger.kind` `redelivery`,
   * linked to the delivery) with the input derived from the stored body and headers. The new run
   * ids are added to the delivery. `notMatched` lists requested scenarios that do not match.
   */
  redeliver: protectedProcedure.input(redeliverInput).mutation(async ({ ctx, input }) => {
    const { models } = ctx.deps.database;
    const delivery = await findDelivery(models, ctx.workspaceId, input.id);
    if (!delivery) throw notFound('delivery', input.id);
    const app = await models.App.findOne({ _id: delivery.appId, workspaceId: ctx.workspaceId }, { _id: 1 })
      .lean<{ _id: ObjectId }>()
      .exec();
    if (!app) {
      throw new TRPCError({
        code: 'PRECONDITION_FAILED',
        message: `the app that received delivery ${input.id} was deleted; there is nothing to run it again`,
      });
    }
    const triggerInput = webhookTriggerInput(delivery);
    const log = ctx.deps.logger.child({ correlationId: delivery.deliveryId });
    const matches = await matchScenarios(
      ctx.deps,
      { id: app._id, workspaceId: ctx.workspaceId },
      { body: triggerInput.body, headers: delivery.headers },
      log,
    );
    const wanted = input.scenarioIds ? new Set(input.scenarioIds) : null;
    const chosen = wanted ? matches.filter((m) => wanted.has(m.scenarioId.toHexString())) : matches;
    const notMatched = wanted
      ? [...wanted].filter((id) => !matches.some((m) => m.scenarioId.toHexString() === id))
      : [];
    const versions = await Promise.all(chosen.map((match) => loadVersion(ctx.deps, match.versionId)));
    const planned = chosen.flatMap((_, index) => {
      const version = versions[index];
      return version ? [{ version, runId: newObjectId() }] : [];
    });
    const now = ctx.deps.clock();
    await createRuns(
      models,
      await Promise.all(
        planned.map(({ version, runId }) =>
          newRunOfVersion(version, {
            id: runId,
            kind: 'redelivery',
            deliveryId: delivery._id,
            correlationId: delivery.deliveryId,
            input: triggerInput,
          }),
        ),
      ),
      now,
    );
    const runIds = planned.map((p) => p.runId);
    if (runIds.length > 0) await addDeliveryRuns(models, delivery._id, runIds);
    await Promise.all(runIds.map((runId) => scheduleRun(ctx.deps.queue, runId.toHexString())));
    log.info({ deliveryId: input.id, runIds: runIds.map(String) }, 'delivery redelivered');
    return {
      id: input.id,
      runIds: runIds.map((runId) => runId.toHexString()),
      scenarioIds: planned.map((p) => p.version.scenarioId.toHexString()),
      notMatched,
    };
  }),
});
