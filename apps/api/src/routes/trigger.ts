import { createRuns, findScenario, newObjectId, newRunOfVersion, scheduleRun } from '@weft/db';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { authenticate, bearerToken, type Principal } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { sendError } from '../errors.js';
import { isObjectIdString } from '../ids.js';
import { loadVersion } from '../runs.js';

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
    const auth = await authenticate(deps.database.models, bearerToken(req.get('authorization')));
    if (!auth.ok) {
      res.set('WWW-Authenticate', 'Bearer');
      sendError(res, 401, 'unauthorized', auth.message);
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
      const { models } = deps.database;
      const { principal } = res.locals as { principal: Principal };
      const { scenarioId } = req.params;
      if (!isObjectIdString(scenarioId)) {
        sendError(res, 404, 'scenario_not_found', `no scenario has the id "${scenarioId}"`);
        return;
      }
      const scenario = await findScenario(models, principal.workspaceId, scenarioId);
      if (!scenario) {
        sendError(res, 404, 'scenario_not_found', `no scenario has the id "${scenarioId}"`);
        return;
      }
      if (!scenario.publishedVersionId) {
        sendError(
          res,
          409,
          'not_published',
          `scenario "${scenario.name}" has no published version yet; publish it before triggering it`,
        );
        return;
      }
      const version = await loadVersion(deps, scenario.publishedVersionId);
      if (!version) {
        sendError(
          res,
          409,
          'not_published',
          `the published version of scenario "${scenario.name}" is missing`,
        );
        return;
      }
      const runId = newObjectId();
      const correlation = req.get(CORRELATION_HEADER)?.trim().slice(0, 200);
      const now = deps.clock();
      await createRuns(
        models,
        [
          newRunOfVersion(version, {
            id: runId,
            kind: 'manual',
            correlationId: correlation || runId.toHexString(),
            input: req.body ?? null,
          }),
        ],
        now,
      );
      await scheduleRun(deps.queue, runId.toHexString());
      deps.logger.info(
        { scenarioId, runId: runId.toHexString(), correlationId: correlation || runId.toHexString() },
        'manual run queued',
      );
      res.status(202).json({ runId: runId.toHexString() });
    },
  );
  return router;
}
