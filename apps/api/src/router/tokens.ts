import { createApiTokenInput, idInput } from '@weft/core';
import { createApiToken, listApiTokens, revokeApiToken, toObjectId } from '@weft/db';
import { TRPCError } from '@trpc/server';
import { createTRPCRouter, notFound, protectedProcedure } from '../trpc.js';
import { tokenView } from '../views.js';

export const tokensRouter = createTRPCRouter({
  /** A new bearer token of this workspace. `token` is in this answer only: it is stored hashed. */
  create: protectedProcedure.input(createApiTokenInput).mutation(async ({ ctx, input }) => {
    const { token, doc } = await createApiToken(
      ctx.deps.database.models,
      ctx.workspaceId,
      input.name,
      undefined,
      ctx.deps.clock(),
    );
    return { ...tokenView(doc), token };
  }),

  /** The workspace's tokens, newest first, revoked ones included; never a token itself. */
  list: protectedProcedure.query(async ({ ctx }) =>
    (await listApiTokens(ctx.deps.database.models, ctx.workspaceId)).map(tokenView),
  ),

  /**
   * Revokes a token at once (the next call with it is UNAUTHORIZED). Revoking a revoked token
   * changes nothing; the workspace's last active token cannot be revoked (nobody could call the
   * API any more): create another one first.
   */
  revoke: protectedProcedure.input(idInput).mutation(async ({ ctx, input }) => {
    const { models } = ctx.deps.database;
    const _id = toObjectId(input.id, 'id');
    const token = await models.ApiToken.findOne({ _id, workspaceId: ctx.workspaceId }, { tokenHash: 0 })
      .lean()
      .exec();
    if (!token) throw notFound('token', input.id);
    if (!token.revokedAt) {
      const others = await models.ApiToken.countDocuments({
        workspaceId: ctx.workspaceId,
        revokedAt: null,
        _id: { $ne: _id },
      }).exec();
      if (others === 0) {
        throw new TRPCError({
          code: 'PRECONDITION_FAILED',
          message: `token "${token.name}" is the workspace's last active token; create another token before revoking it`,
        });
      }
      await revokeApiToken(models, ctx.workspaceId, input.id, ctx.deps.clock());
    }
    const after = await models.ApiToken.findOne({ _id, workspaceId: ctx.workspaceId }, { tokenHash: 0 })
      .lean()
      .exec();
    return tokenView(after ?? token);
  }),
});
