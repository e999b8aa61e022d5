import type { NextFunction, Request, Response } from 'express';
import { authenticate, bearerToken } from './auth.js';
import type { ApiDeps } from './deps.js';
import { sendError } from './errors.js';

/** Bodies up to this size are read before the token is checked (by the procedure, as usual). */
const UNAUTHENTICATED_BODY_LIMIT_BYTES = 64 * 1024;

/**
 * tRPC reads a call's body before a procedure checks its token: up to `jsonBodyLimitBytes`
 * (5 MiB) from anyone. A larger body (or one of unknown length) must come with a valid bearer
 * token, checked before a byte of it is read; small calls go on unchanged.
 */
export function trpcBodyGuard(deps: Pick<ApiDeps, 'database' | 'clock'>) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    if (req.method !== 'POST') return next();
    const length = Number(req.get('content-length') ?? Number.NaN);
    if (Number.isFinite(length) && length <= UNAUTHENTICATED_BODY_LIMIT_BYTES) return next();
    try {
      const auth = await authenticate(
        deps.database.models,
        bearerToken(req.get('authorization')),
        deps.clock(),
      );
      if (auth.ok) return next();
      res.set('Connection', 'close');
      sendError(
        res,
        401,
        'unauthorized',
        `${auth.message} (a call with a body over ${UNAUTHENTICATED_BODY_LIMIT_BYTES / 1024} KiB needs its token in the Authorization header)`,
      );
    } catch (error) {
      next(error);
    }
  };
}
