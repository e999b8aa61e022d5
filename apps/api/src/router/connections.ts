import { createConnectionInput, signatureSchemeInfo } from '@weft/core';
import { createConnection, findApp, toConnectionView } from '@weft/db';
import { TRPCError } from '@trpc/server';
import { WEBHOOK_SECRET_NAME } from '../webhook/app-lookup.js';
import { createTRPCRouter, protectedProcedure } from '../trpc.js';

const STANDARD_WEBHOOKS_SECRET =
  /^(?:whsec_)?(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const connectionsRouter = createTRPCRouter({
  /**
   * Credentials for an app. `secrets` are write-only: stored encrypted, answered only as
   * `hasSecret` and a masked `secretHint`. `secrets.webhookSecret` verifies the app's webhooks.
   */
  create: protectedProcedure.input(createConnectionInput).mutation(async ({ ctx, input }) => {
    const { models } = ctx.deps.database;
    const app = await findApp(models, ctx.workspaceId, input.appId);
    if (!app) {
      throw new TRPCError({
        code: 'NOT_FOUND',
        message: `no app with the id "${input.appId}" in this workspace`,
      });
    }
    const webhookSecret = input.secrets?.[WEBHOOK_SECRET_NAME];
    if (
      webhookSecret !== undefined &&
      app.signature.scheme === 'standard-webhooks' &&
      !STANDARD_WEBHOOKS_SECRET.test(webhookSecret.trim())
    ) {
      throw new TRPCError({
        code: 'BAD_REQUEST',
        message: `secrets.${WEBHOOK_SECRET_NAME}: app "${app.key}" uses Standard Webhooks, whose secret looks like ${signatureSchemeInfo['standard-webhooks'].secretHint}`,
      });
    }
    const doc = await createConnection(models, ctx.deps.keyring, ctx.workspaceId, input, ctx.deps.clock());
    ctx.deps.caches.apps.delete(app.key);
    return toConnectionView(doc);
  }),
});
