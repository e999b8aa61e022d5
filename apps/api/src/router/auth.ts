import { TRPCError } from '@trpc/server';
import { findApiToken, findWorkspace } from '@weft/db';
import { createTRPCRouter, protectedProcedure } from '../trpc.js';
import { tokenView } from '../views.js';

export const authRouter = createTRPCRouter({
  /** The workspace and the token the call acts with. */
  whoami: protectedProcedure.query(async ({ ctx }) => {
    const { models } = ctx.deps.database;
    const [workspace, token] = await Promise.all([
      findWorkspace(models, ctx.workspaceId),
      findApiToken(models, ctx.workspaceId, ctx.tokenId),
    ]);
    if (!workspace || !token) {
      throw new TRPCError({ code: 'UNAUTHORIZED', message: 'the workspace of this token no longer exists' });
    }
    return {
      workspace: { id: workspace._id.toHexString(), name: workspace.name, createdAt: workspace.createdAt },
      token: tokenView(token),
    };
  }),
});
