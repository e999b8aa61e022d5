import path from 'node:path';
import express, { type Router } from 'express';

/** Paths that belong to the API; everything else under GET is the web app's (client-side routes). */
const API_PREFIXES = ['/trpc', '/webhook', '/trigger', '/health', '/system', '/metrics'];

/**
 * Serves the built web app from `dir`: hashed assets with a long cache, and `index.html` for
 * any other GET so deep links (`/scenarios/…`) open the app.
 */
export function webAppRouter(dir: string): Router {
  const router = express.Router();
  router.use(
    '/assets',
    express.static(path.join(dir, 'assets'), { immutable: true, maxAge: '365d', fallthrough: false }),
  );
  router.use(express.static(dir, { index: false, maxAge: 0 }));
  router.get(/.*/, (req, res, next) => {
    if (API_PREFIXES.some((prefix) => req.path === prefix || req.path.startsWith(`${prefix}/`)))
      return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(path.join(dir, 'index.html'));
  });
  return router;
}
