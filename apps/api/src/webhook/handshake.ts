import { queryChallenge, slackUrlVerificationChallenge } from '@weft/core';
import type { Request, Response } from 'express';
import { sendError } from '../errors.js';
import type { ResolvedApp } from './app-lookup.js';

interface HandshakeLocals {
  /** The metrics outcome of an answer that is neither an acceptance nor an error. */
  webhookOutcome?: string;
}

function markHandshake(res: Response): void {
  (res.locals as HandshakeLocals).webhookOutcome = 'handshake';
}

/** Methods the webhook URL answers for this app. */
function allowedMethods(app: ResolvedApp): string {
  return app.signature.challengeParam ? 'POST, GET, HEAD, OPTIONS' : 'POST, HEAD, OPTIONS';
}

/**
 * Slack's `url_verification` (scheme slack): a verified request whose body is the challenge is
 * answered with it, stores no delivery and starts no run. True when it answered.
 */
export function answerSlackVerification(app: ResolvedApp, body: unknown, res: Response): boolean {
  if (app.signature.scheme !== 'slack') return false;
  const challenge = slackUrlVerificationChallenge(body);
  if (challenge === null) return false;
  markHandshake(res);
  res.status(200).json({ challenge });
  return true;
}

/**
 * `GET /webhook/:appKey`: with the app's `challengeParam` set (e.g. `hub.challenge`), the
 * parameter's value is echoed as text (a partner checking that the URL is theirs); without it,
 * GET is not a webhook method (405).
 */
export function answerGetChallenge(app: ResolvedApp, req: Request, res: Response): void {
  const param = app.signature.challengeParam;
  res.set('Allow', allowedMethods(app));
  if (!param) {
    sendError(
      res,
      405,
      'method_not_allowed',
      `webhooks are delivered with POST; app "${app.key}" has no GET challenge (set challengeParam on its signature settings)`,
    );
    return;
  }
  const challenge = queryChallenge(req.query as Record<string, unknown>, param);
  if (challenge === null) {
    sendError(
      res,
      400,
      'missing_challenge',
      `a GET to this webhook URL must carry one query parameter "${param}" (at most 1000 characters)`,
    );
    return;
  }
  markHandshake(res);
  // Text, never HTML: the value comes from whoever sends the request.
  res.status(200).type('text/plain').set('X-Content-Type-Options', 'nosniff').send(challenge);
}

/** `HEAD` and `OPTIONS` (partners probing the URL): answered empty, nothing stored. */
export function answerProbe(app: ResolvedApp, req: Request, res: Response): void {
  markHandshake(res);
  res.set('Allow', allowedMethods(app));
  res.status(req.method === 'OPTIONS' ? 204 : 200).end();
}
