import { createCallerFactory, createTRPCRouter } from '../trpc.js';
import { appsRouter } from './apps.js';
import { connectionsRouter } from './connections.js';
import { runsRouter } from './runs.js';
import { scenariosRouter } from './scenarios.js';

export const appRouter = createTRPCRouter({
  apps: appsRouter,
  connections: connectionsRouter,
  scenarios: scenariosRouter,
  runs: runsRouter,
});

export type AppRouter = typeof appRouter;

/** Server-side calls without HTTP: `createCaller(createInnerContext({ deps, bearerToken }))`. */
export const createCaller = createCallerFactory(appRouter);
