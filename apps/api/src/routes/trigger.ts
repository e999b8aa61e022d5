import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { scopeForCall } from '@weft/core';
import { authenticate, bearerToken, type Principal, scopeRefusal } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { sendError } from '../errors.js';
import { startManualRun } from '../manual-run.js';

const CORRELATION_HEADER = 'x-correlation-id';

/**
 * `POST /trigger/:scenarioId` (bearer token): a manual run of the scenario's published version,
 * enabled or not, with the JSON body as its input → 202 `{ runId }`.
 */
export function triggerRouter(deps: ApiDeps): Router {
  const router = express.Router();
  const json = express.json({ limit: deps.limits.jsonBodyLimitBytes, strict: false, type: () => true });

  // Authenticated before the body is read: strangers do not get to send megabytes.
  const requireToken = async (req: Request, res: Response, next: NextFunction) => {
    const auth = await authenticate(
      deps.database.models,
      bearerToken(req.get('authorization')),
      deps.clock(),
    );
    if (!auth.ok) {
      res.set('WWW-Authenticate', 'Bearer');
      sendError(res, 401, 'unauthorized', auth.message);
      return;
    }
    // Starting a run changes things: what a mutation needs (trpc.ts).
    const refusal = scopeRefusal(auth.principal.grant.scope, scopeForCall('mutation'));
    if (refusal) {
      sendError(res, 403, 'forbidden', refusal);
      return;
    }
    (res.locals as { principal: Principal }).principal = auth.principal;
    next();
  };

  router.post(
    '/trigger/:scenarioId',
    requireToken,
    json,
    async (req: Request<{ scenarioId: string }>, res: Response) => {
      const { principal } = res.locals as { principal: Principal };
      const outcome = await startManualRun(deps, principal.workspaceId, req.params.scenarioId, {
        input: req.body,
        correlationId: req.get(CORRELATION_HEADER),
      });
      if (!outcome.ok) {
        sendError(res, outcome.reason === 'scenario_not_found' ? 404 : 409, outcome.reason, outcome.message);
        return;
      }
      res.status(202).json({ runId: outcome.runId });
    },
  );
  return router;
}
