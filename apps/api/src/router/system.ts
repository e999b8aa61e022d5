import { checkHealth, systemInfo } from '../system.js';
import { createTRPCRouter, publicProcedure } from '../trpc.js';

/** As `GET /health` and `GET /system/info`; no token needed. */
export const systemRouter = createTRPCRouter({
  health: publicProcedure.query(({ ctx }) => checkHealth(ctx.deps)),
  info: publicProcedure.query(({ ctx }) => systemInfo(ctx.deps)),
});
