import { TRPCError } from '@trpc/server';
import { createTRPCRouter, protectedProcedure } from '../trpc.js';
import { tokenView } from '../views.js';

export const authRouter = createTRPCRouter({
  /** The workspace and the token the call acts with. */
  whoami: protectedProcedure.query(async ({ ctx }) => {
    const { models } = ctx.deps.database;
    const [workspace, token] = await Promise.all([
      models.Workspace.findById(ctx.workspaceId).lean().exec(),
      models.ApiToken.findOne({ _id: ctx.tokenId, workspaceId: ctx.workspaceId }, { tokenHash: 0 })
        .lean()
        .exec(),
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
