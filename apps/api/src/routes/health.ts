import express, { type Router } from 'express';
import type { ApiDeps } from '../deps.js';
import { checkHealth, systemInfo } from '../system.js';

/** `GET /health` (503 when the database or the queue cannot be reached) and `GET /system/info`. */
export function healthRouter(deps: ApiDeps): Router {
  const router = express.Router();
  router.get('/health', async (_req, res) => {
    const health = await checkHealth(deps);
    res.status(health.status === 'ok' ? 200 : 503).json(health);
  });
  router.get('/system/info', (_req, res) => {
    res.json(systemInfo(deps));
  });
  return router;
}
