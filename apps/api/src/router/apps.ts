import { createAppInput, idInput, updateAppInput } from '@weft/core';
import { createApp, deleteApp, findApp, findConnection, listApps, toObjectId, updateApp } from '@weft/db';
import { TRPCError } from '@trpc/server';
import { createTRPCRouter, notFound, protectedProcedure } from '../trpc.js';
import { appView } from '../views.js';

export const appsRouter = createTRPCRouter({
  /** The workspace's apps by name. */
  list: protectedProcedure.query(async ({ ctx }) =>
    (await listApps(ctx.deps.database.models, ctx.workspaceId)).map(appView),
  ),

  get: protectedProcedure.input(idInput).query(async ({ ctx, input }) => {
    const doc = await findApp(ctx.deps.database.models, ctx.workspaceId, input.id);
    if (!doc) throw notFound('app', input.id);
    return appView(doc);
  }),

  /** An external service that posts webhooks to `/webhook/<key>`, with its signature scheme. */
  create: protectedProcedure.input(createAppInput).mutation(async ({ ctx, input }) => {
    const doc = await createApp(ctx.deps.database.models, ctx.workspaceId, input, ctx.deps.clock());
    ctx.deps.caches.apps.delete(doc.key);
    return appView(doc);
  }),

  /**
   * Renames, changes the signature scheme and its options (`signature` is replaced whole), replaces
   * the search keys (deliveries stored before keep the values they had), or
   * chooses the default connection (whose `webhookSecret` verifies the app's webhooks; it must be
   * a connection of this app). The key never changes: partners post to it.
   */
  update: protectedProcedure.input(updateAppInput).mutation(async ({ ctx, input }) => {
    const { models } = ctx.deps.database;
    const app = await findApp(models, ctx.workspaceId, input.id);
    if (!app) throw notFound('app', input.id);
    if (input.defaultConnectionId) {
      const connection = await findConnection(models, ctx.workspaceId, input.defaultConnectionId);
      if (!connection) throw notFound('connection', input.defaultConnectionId);
      if (!connection.appId.equals(app._id)) {
        throw new TRPCError({
          code: 'BAD_REQUEST',
          message: `defaultConnectionId: connection "${connection.name}" belongs to another app; choose a connection of app "${app.key}"`,
        });
      }
    }
    const updated = await updateApp(
      models,
      ctx.workspaceId,
      input.id,
      {
        ...(input.name === undefined ? {} : { name: input.name }),
        ...(input.signature === undefined ? {} : { signature: input.signature }),
        ...(input.searchKeys === undefined ? {} : { searchKeys: input.searchKeys }),
        ...(input.defaultConnectionId === undefined
          ? {}
          : {
              defaultConnectionId:
                input.defaultConnectionId === null
                  ? null
                  : toObjectId(input.defaultConnectionId, 'defaultConnectionId'),
            }),
      },
      ctx.deps.clock(),
    );
    if (!updated) throw notFound('app', input.id);
    ctx.deps.caches.apps.delete(updated.key);
    return appView(updated);
  }),

  /**
   * Deletes the app and its connections; its deliveries and runs stay. Refused (CONFLICT, the
   * scenario names in the message and in `data.usedBy`) while a scenario's trigger uses it.
   */
  delete: protectedProcedure.input(idInput).mutation(async ({ ctx, input }) => {
    const { models } = ctx.deps.database;
    const app = await findApp(models, ctx.workspaceId, input.id);
    if (!app) throw notFound('app', input.id);
    const deleted = await deleteApp(models, ctx.workspaceId, input.id);
    if (!deleted) throw notFound('app', input.id);
    ctx.deps.caches.apps.delete(app.key);
    return { id: input.id, deleted: true as const };
  }),
});
