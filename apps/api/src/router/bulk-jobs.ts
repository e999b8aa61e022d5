import { idInput, listBulkJobsInput } from '@weft/core';
import { cancelBulkJob, findBulkJob, listBulkJobs } from '@weft/db';
import { TRPCError } from '@trpc/server';
import { bulkJobView } from '../bulk/views.js';
import { createTRPCRouter, notFound, protectedProcedure } from '../trpc.js';

/** Background replays and redeliveries (`runs.bulkReplay`, `deliveries.bulkRedeliver`): their progress, and cancelling them. */
export const bulkJobsRouter = createTRPCRouter({
  /** One job with its progress: `total`, `counts` (done, skipped, failed), `status`, the latest problems. */
  get: protectedProcedure.input(idInput).query(async ({ ctx, input }) => {
    const job = await findBulkJob(ctx.deps.database.models, ctx.workspaceId, input.id);
    if (!job) throw notFound('bulk job', input.id);
    return bulkJobView(job);
  }),

  /** The workspace's jobs, newest first; optionally of one kind. */
  list: protectedProcedure.input(listBulkJobsInput).query(async ({ ctx, input }) => {
    const page = await listBulkJobs(ctx.deps.database.models, {
      workspaceId: ctx.workspaceId,
      limit: input.limit,
      cursor: input.cursor ?? null,
      ...(input.kind ? { kind: input.kind } : {}),
    });
    return { items: page.items.map(bulkJobView), nextCursor: page.nextCursor };
  }),

  /**
   * Stops a queued or running job: no item is started after its current batch; what it replayed
   * stays. Cancelling a cancelled job changes nothing; a finished one is a CONFLICT.
   */
  cancel: protectedProcedure.input(idInput).mutation(async ({ ctx, input }) => {
    const { models } = ctx.deps.database;
    const job = await findBulkJob(models, ctx.workspaceId, input.id);
    if (!job) throw notFound('bulk job', input.id);
    if (
      job.status !== 'cancelled' &&
      !(await cancelBulkJob(models, ctx.workspaceId, job._id, ctx.deps.clock()))
    ) {
      const current = await findBulkJob(models, ctx.workspaceId, input.id);
      if (current?.status !== 'cancelled') {
        throw new TRPCError({
          code: 'CONFLICT',
          message: `bulk job ${input.id} has already finished (${current?.status ?? 'deleted'}); there is nothing to cancel`,
        });
      }
    }
    const after = await findBulkJob(models, ctx.workspaceId, input.id);
    if (!after) throw notFound('bulk job', input.id);
    return bulkJobView(after);
  }),
});
