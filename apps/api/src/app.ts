import { createExpressMiddleware } from '@trpc/server/adapters/express';
import { useExpressionWorkers } from '@weft/core/expression-workers';
import express, { type Express } from 'express';
import { type ApiDeps, type ApiDepsInput, resolveDeps } from './deps.js';
import { errorHandler, sendError } from './errors.js';
import { appRouter } from './router/index.js';
import { metricsRouter } from './metrics.js';
import { healthRouter } from './routes/health.js';
import { resumeRouter } from './routes/resume.js';
import { oauth2CallbackRouter } from './routes/oauth2-callback.js';
import { triggerRouter } from './routes/trigger.js';
import { webAppRouter } from './routes/web.js';
import { securityHeaders } from './security-headers.js';
import { createExpressContext, MAX_BATCH_SIZE } from './trpc.js';
import { trpcBodyGuard } from './trpc-body-guard.js';
import { webhookRouter } from './webhook/index.js';

/**
 * The HTTP app: `POST /webhook/:appKey`, `POST /trigger/:scenarioId`, `GET /health`,
 * `GET /system/info`, `GET /metrics` (Prometheus), `/trpc`, and the built web app at `/` when configured. It never executes
 * nodes: it stores and enqueues.
 */
export function createApp(input: ApiDepsInput | ApiDeps): Express {
  const deps = resolveDeps(input);
  // Trigger filters, dry-runs and event keys evaluate tenants' expressions: any that could stall
  // this thread runs in the process's worker pool, ended at its deadline (README, "Security").
  useExpressionWorkers();
  const app = express();
  app.disable('x-powered-by');
  app.use(securityHeaders);

  app.use(healthRouter(deps));
  app.use(metricsRouter(deps.metricsToken));
  app.use(webhookRouter(deps));
  app.use(triggerRouter(deps));
  app.use(resumeRouter(deps));
  app.use(oauth2CallbackRouter(deps));
  app.use(
    '/trpc',
    trpcBodyGuard(deps),
    createExpressMiddleware({
      router: appRouter,
      createContext: createExpressContext(deps),
      maxBodySize: deps.limits.jsonBodyLimitBytes,
      maxBatchSize: MAX_BATCH_SIZE,
      onError({ error, path }) {
        if (error.code === 'INTERNAL_SERVER_ERROR') {
          deps.logger.error({ err: error.cause ?? error, path }, 'tRPC procedure failed');
        } else if (error.code === 'SERVICE_UNAVAILABLE') {
          deps.logger.error({ err: error.cause ?? error, path }, 'database unavailable');
        }
      },
    }),
  );

  if (deps.webDist) app.use(webAppRouter(deps.webDist));

  app.use((req, res) => {
    sendError(res, 404, 'not_found', `no route for ${req.method} ${req.path}`);
  });
  app.use(errorHandler(deps.logger));
  return app;
}
