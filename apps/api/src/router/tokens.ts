import { createApiTokenInput, idInput, mintRefusal } from '@weft/core';
import {
  countOtherLiveAdminTokens,
  createApiToken,
  findApiToken,
  listApiTokens,
  revokeApiToken,
  toObjectId,
  tokenScope,
} from '@weft/db';
import { TRPCError } from '@trpc/server';
import { adminProcedure, createTRPCRouter, notFound } from '../trpc.js';
import { tokenView } from '../views.js';

/** Tokens are the keys to the workspace: every procedure here needs an `admin` token. */
export const tokensRouter = createTRPCRouter({
  /**
   * A new bearer token of this workspace, of the scope and expiry asked for: never a wider scope
   * than the calling token's, nor an expiry later than its own. `token` is in this answer only:
   * it is stored hashed.
   */
  create: adminProcedure.input(createApiTokenInput).mutation(async ({ ctx, input }) => {
    const now = ctx.deps.clock();
    const requested = { scope: input.scope, expiresAt: input.expiresAt ?? null };
    const refusal = mintRefusal(ctx.grant, requested, now);
    if (refusal) {
      throw new TRPCError({
        code: refusal.startsWith('scope:') ? 'FORBIDDEN' : 'BAD_REQUEST',
        message: refusal,
      });
    }
    const { token, doc } = await createApiToken(
      ctx.deps.database.models,
      ctx.workspaceId,
      input.name,
      undefined,
      now,
      requested,
    );
    return { ...tokenView(doc), token };
  }),

  /** The workspace's tokens, newest first, revoked ones included; never a token itself. */
  list: adminProcedure.query(async ({ ctx }) =>
    (await listApiTokens(ctx.deps.database.models, ctx.workspaceId)).map(tokenView),
  ),

  /**
   * Revokes a token at once (the next call with it is UNAUTHORIZED). Revoking a revoked token
   * changes nothing; the workspace's last live admin token cannot be revoked (nobody could mint
   * or revoke tokens any more): create another admin token first.
   */
  revoke: adminProcedure.input(idInput).mutation(async ({ ctx, input }) => {
    const { models } = ctx.deps.database;
    const _id = toObjectId(input.id, 'id');
    const token = await findApiToken(models, ctx.workspaceId, _id);
    if (!token) throw notFound('token', input.id);
    if (!token.revokedAt) {
      const now = ctx.deps.clock();
      if (tokenScope(token) === 'admin') {
        const others = await countOtherLiveAdminTokens(models, ctx.workspaceId, _id, now);
        if (others === 0) {
          throw new TRPCError({
            code: 'PRECONDITION_FAILED',
            message: `token "${token.name}" is the workspace's last active admin token; create another admin token before revoking it`,
          });
        }
      }
      await revokeApiToken(models, ctx.workspaceId, input.id, now);
    }
    const after = await findApiToken(models, ctx.workspaceId, _id);
    return tokenView(after ?? token);
  }),
});
