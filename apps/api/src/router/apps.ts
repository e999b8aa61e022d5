import { createAppInput, objectIdSchema } from '@weft/core';
import { createApp, findApp } from '@weft/db';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { createTRPCRouter, protectedProcedure } from '../trpc.js';
import { appView } from '../views.js';

export const appsRouter = createTRPCRouter({
  /** An external service that posts webhooks to `/webhook/<key>`, with its signature scheme. */
  create: protectedProcedure.input(createAppInput).mutation(async ({ ctx, input }) => {
    const doc = await createApp(ctx.deps.database.models, ctx.workspaceId, input, ctx.deps.clock());
    ctx.deps.caches.apps.delete(doc.key);
    return appView(doc);
  }),

  get: protectedProcedure.input(z.object({ id: objectIdSchema })).query(async ({ ctx, input }) => {
    const doc = await findApp(ctx.deps.database.models, ctx.workspaceId, input.id);
    if (!doc)
      throw new TRPCError({
        code: 'NOT_FOUND',
        message: `no app with the id "${input.id}" in this workspace`,
      });
    return appView(doc);
  }),
});
