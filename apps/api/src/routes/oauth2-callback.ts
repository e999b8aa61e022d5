import { OAUTH2_CLIENT_SECRET, parseTokenResponse, tokenRequest } from '@weft/core';
import {
  failOAuth2Connection,
  readConnectionSecrets,
  storeOAuth2Tokens,
  takeOAuth2Authorization,
} from '@weft/db';
import express, { type Request, type Response, type Router } from 'express';
import type { ApiDeps } from '../deps.js';

export const OAUTH2_CALLBACK_PATH = '/oauth2/callback';

function page(res: Response, status: number, message: string): void {
  const escaped = message.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  res
    .status(status)
    .type('html')
    .send(
      `<!doctype html><meta charset="utf-8"><title>Weft: OAuth2</title><p>${escaped}</p><p><a href="/">Back to Weft</a></p>`,
    );
}

/**
 * `GET /oauth2/callback?state&code` (no bearer token: a browser arrives here from the
 * authorization server). The `state` is the credential: random, single use, bound to one
 * connection, valid for 10 minutes. The code is exchanged with the stored PKCE verifier; the
 * tokens are stored encrypted and the browser goes back to the connection's app page
 * (`?oauth2=connected`, or `?oauth2=failed` with the connection failing and saying why).
 */
export function oauth2CallbackRouter(deps: ApiDeps): Router {
  const router = express.Router();
  router.get(OAUTH2_CALLBACK_PATH, async (req: Request, res: Response) => {
    const { models } = deps.database;
    const state = typeof req.query.state === 'string' ? req.query.state : '';
    if (state === '') {
      page(res, 400, 'This OAuth2 callback has no state parameter: start the connection from Weft.');
      return;
    }
    const taken = await takeOAuth2Authorization(models, deps.keyring, state, deps.clock());
    if (!taken) {
      page(
        res,
        400,
        'This authorization is unknown, already used or expired: connect again from the connection.',
      );
      return;
    }
    const back = (outcome: 'connected' | 'failed') =>
      res.redirect(
        303,
        `/#/apps/${taken.appId.toHexString()}?oauth2=${outcome}&connection=${taken.connectionId.toHexString()}`,
      );
    const fail = async (why: string) => {
      const message = `the OAuth2 authorization failed (${why}); reconnect the connection`;
      await failOAuth2Connection(models, taken.workspaceId, taken.connectionId, message, {
        now: deps.clock(),
      });
      deps.logger.warn(
        { connectionId: taken.connectionId.toHexString(), why },
        'oauth2 authorization failed',
      );
      back('failed');
    };
    const denied = typeof req.query.error === 'string' ? req.query.error : null;
    const code = typeof req.query.code === 'string' ? req.query.code : '';
    if (denied || code === '') {
      const description =
        typeof req.query.error_description === 'string' ? `: ${req.query.error_description}` : '';
      await fail(
        denied ? `the authorization server answered ${denied}${description}` : 'the callback carried no code',
      );
      return;
    }
    const secrets = await readConnectionSecrets(models, deps.keyring, taken.workspaceId, taken.connectionId);
    const request = tokenRequest(taken.config, secrets?.[OAUTH2_CLIENT_SECRET], {
      kind: 'authorization_code',
      code,
      redirectUri: taken.redirectUri,
      codeVerifier: taken.codeVerifier,
    });
    let response: { status: number; body: string };
    try {
      response = await deps.tokenEndpoint(request, { allowList: deps.httpAllowList });
    } catch (error) {
      await fail(`the token endpoint could not be reached: ${(error as Error).message}`);
      return;
    }
    const outcome = parseTokenResponse(response, deps.clock().getTime());
    if (!outcome.ok) {
      await fail(outcome.message);
      return;
    }
    await storeOAuth2Tokens(models, deps.keyring, taken.workspaceId, taken.connectionId, outcome.tokens, {
      now: deps.clock(),
    });
    back('connected');
  });
  return router;
}
