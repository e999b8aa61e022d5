import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { createCallerFactory, createTRPCRouter, mergeRouters } from '../trpc.js';
import { appsRouter } from './apps.js';
import { authRouter } from './auth.js';
import { bulkJobsRouter } from './bulk-jobs.js';
import { connectionsRouter } from './connections.js';
import { deliveriesRouter } from './deliveries.js';
import { registryRouter } from './registry.js';
import { runsRouter } from './runs.js';
import { scenarioFilesRouter } from './scenario-files.js';
import { scenariosRouter } from './scenarios.js';
import { systemRouter } from './system.js';
import { tokensRouter } from './tokens.js';

export const appRouter = createTRPCRouter({
  auth: authRouter,
  tokens: tokensRouter,
  apps: appsRouter,
  connections: connectionsRouter,
  /** `scenarios.export` and `scenarios.import` live in scenario-files.ts. */
  scenarios: mergeRouters(scenariosRouter, scenarioFilesRouter),
  runs: runsRouter,
  deliveries: deliveriesRouter,
  bulkJobs: bulkJobsRouter,
  registry: registryRouter,
  system: systemRouter,
});

export type AppRouter = typeof appRouter;
/** What each procedure takes, as the web app writes it (before defaults). */
export type RouterInputs = inferRouterInputs<AppRouter>;
/** What each procedure answers, as the web app receives it (Dates are Dates: superjson). */
export type RouterOutputs = inferRouterOutputs<AppRouter>;

/** Server-side calls without HTTP: `createCaller(createInnerContext({ deps, bearerToken }))`. */
export const createCaller = createCallerFactory(appRouter);
