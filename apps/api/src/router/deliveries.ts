import { bulkRedeliverInput, idInput, listDeliveriesInput, redeliverInput } from '@weft/core';
import { findAppSignature, findDelivery, findRunSummaries, listDeliveries, toObjectId } from '@weft/db';
import { TRPCError } from '@trpc/server';
import { queueBulkJob } from '../bulk/create.js';
import { createRedelivery, planRedelivery } from '../redeliver.js';
import { createTRPCRouter, notFound, protectedProcedure } from '../trpc.js';
import { deliveryRunView, deliverySummaryView, deliveryView } from '../views.js';

export const deliveriesRouter = createTRPCRouter({
  /** Inbound webhooks, newest first, without headers and bodies; filters combine: app, received in [from, to), a search key's value. */
  list: protectedProcedure.input(listDeliveriesInput).query(async ({ ctx, input }) => {
    const page = await listDeliveries(ctx.deps.database.models, {
      workspaceId: ctx.workspaceId,
      limit: input.limit,
      cursor: input.cursor ?? null,
      ...(input.appId ? { appId: toObjectId(input.appId, 'appId') } : {}),
      ...(input.from ? { from: input.from } : {}),
      ...(input.to ? { to: input.to } : {}),
      ...(input.search ? { search: input.search } : {}),
    });
    return { items: page.items.map(deliverySummaryView), nextCursor: page.nextCursor };
  }),

  /** One delivery: redacted headers, the raw body as stored, the scheme it was verified with, its runs. */
  get: protectedProcedure.input(idInput).query(async ({ ctx, input }) => {
    const { models } = ctx.deps.database;
    const delivery = await findDelivery(models, ctx.workspaceId, input.id);
    if (!delivery) throw notFound('delivery', input.id);
    const [app, runs] = await Promise.all([
      findAppSignature(models, ctx.workspaceId, delivery.appId),
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
    const delivery = await findDelivery(ctx.deps.database.models, ctx.workspaceId, input.id);
    if (!delivery) throw notFound('delivery', input.id);
    const plan = await planRedelivery(ctx.deps, delivery, input.scenarioIds);
    if (!plan.ok) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: plan.message });
    await createRedelivery(ctx.deps, delivery, plan.planned);
    const runIds = plan.planned.map((p) => p.runId.toHexString());
    ctx.deps.logger.info({ deliveryId: input.id, runIds, correlationId: delivery.deliveryId }, 'delivery redelivered');
    return {
      id: input.id,
      runIds,
      scenarioIds: plan.planned.map((p) => p.version.scenarioId.toHexString()),
      notMatched: plan.notMatched,
    };
  }),

  /**
   * Redelivers every delivery `filter` selects (the filters of `list`) to the scenarios that
   * match it then, in the background: a bulk job (`bulkJobs.get`, `bulkJobs.cancel`). Each
   * selected delivery is redelivered at most once; one that no scenario matches is skipped.
   */
  bulkRedeliver: protectedProcedure
    .input(bulkRedeliverInput)
    .mutation(({ ctx, input }) => queueBulkJob(ctx, { kind: 'redeliver', filter: input.filter })),
});
