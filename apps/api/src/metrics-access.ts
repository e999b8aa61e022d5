import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { bearerToken } from './auth.js';
import { sendError } from './errors.js';

/** Whether a peer address is this machine (IPv4, IPv6, or IPv4 mapped into IPv6). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return plain === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(plain);
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Who may scrape `GET /metrics` (per-app series name the tenants' apps): with a metrics token,
 * whoever presents it as a bearer token; without one, this machine only (a Prometheus or agent on
 * the host). Workspace API tokens are not accepted: metrics span every workspace.
 */
export function metricsAccess(token: string | null) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (token === null) {
      if (isLoopbackAddress(req.socket.remoteAddress)) {
        next();
        return;
      }
      sendError(
        res,
        403,
        'forbidden',
        'metrics are served to this machine only; set WEFT_METRICS_TOKEN to scrape them from elsewhere',
      );
      return;
    }
    const given = bearerToken(req.get('authorization'));
    if (given !== null && sameToken(given, token)) {
      next();
      return;
    }
    res.set('WWW-Authenticate', 'Bearer');
    sendError(
      res,
      401,
      'unauthorized',
      'GET /metrics needs the metrics token (WEFT_METRICS_TOKEN) as a bearer token',
    );
  };
}
