import { objectIdSchema } from '@weft/core';
import { findRun, listRunLogs } from '@weft/db';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { createTRPCRouter, protectedProcedure } from '../trpc.js';
import { runView } from '../views.js';

/** Log lines returned with a run; the full listing with paging comes with the runs API. */
const LOG_LIMIT = 1_000;

export const runsRouter = createTRPCRouter({
  /** A run with its steps and its log lines. */
  get: protectedProcedure.input(z.object({ id: objectIdSchema })).query(async ({ ctx, input }) => {
    const { models } = ctx.deps.database;
    const run = await findRun(models, ctx.workspaceId, input.id);
    if (!run)
      throw new TRPCError({
        code: 'NOT_FOUND',
        message: `no run with the id "${input.id}" in this workspace`,
      });
    const logs = await listRunLogs(models, {
      workspaceId: ctx.workspaceId,
      runId: run._id,
      limit: LOG_LIMIT,
    });
    return runView(run, logs);
  }),
});
