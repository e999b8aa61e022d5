import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/**
 * For tests: a real OAuth2 authorization server in this process (oidc-provider): client credentials,
 * authorization code with PKCE, refresh tokens (rotated) and revocation, plus a protected API
 * that accepts only the access tokens it issued. Nothing of the client side is simulated.
 */
export interface OAuth2Server {
  readonly issuer: string;
  readonly tokenUrl: string;
  readonly authorizeUrl: string;
  readonly provider: Provider;
  /** Token endpoint answers that issued tokens, by grant type. */
  readonly grants: Map<string, number>;
  /** Token endpoint answers that refused the request, by grant type. */
  readonly refusals: Map<string, number>;
  /** Authorization headers the protected API saw, in order. */
  readonly apiCalls: string[];
  /** `/api/*`: 200 for a valid token, else 401. `/quirky/*`: 400 `{ error: { code: 'TOKEN_EXPIRED' } }`. */
  readonly apiUrl: string;
  readonly quirkyUrl: string;
  /** Revokes an access token as the server's own revocation does (it is unknown afterwards). */
  revokeAccessToken(token: string): Promise<void>;
  revokeRefreshToken(token: string): Promise<void>;
  /** Revokes every access and refresh token issued so far (for tests that cannot read the tokens). */
  revokeAll(): Promise<void>;
  /**
   * Walks the authorization code grant as a browser would (the person consents at once) and
   * answers where the server sent the browser back to: the client's redirect URI with code and state.
   */
  authorize(authorizeUrl: string): Promise<URL>;
  close(): Promise<void>;
}

export const CC_CLIENT = { id: 'weft-cc', secret: 'cc-secret-0123456789' };
export const CODE_CLIENT = { id: 'weft-code', secret: 'code-secret-0123456789' };

/** A PKCE pair (RFC 7636, S256). */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export async function startOAuth2Server(options: {
  redirectUris: string[];
  accessTokenTtlSec?: number;
}): Promise<OAuth2Server> {
  const server = http.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ttl = options.accessTokenTtlSec ?? 300;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CC_CLIENT.id,
        client_secret: CC_CLIENT.secret,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
      },
      {
        client_id: CODE_CLIENT.id,
        client_secret: CODE_CLIENT.secret,
        grant_types: ['authorization_code', 'refresh_token'],
        redirect_uris: options.redirectUris,
        response_types: ['code'],
      },
    ],
    features: {
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      devInteractions: { enabled: false },
    },
    pkce: { required: () => true },
    ttl: {
      AccessToken: ttl,
      ClientCredentials: ttl,
      AuthorizationCode: 60,
      IdToken: 3_600,
      RefreshToken: 86_400,
      Grant: 86_400,
      Interaction: 600,
      Session: 86_400,
    },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
    cookies: { keys: [randomBytes(16).toString('hex')] },
  });
  const grants = new Map<string, number>();
  const refusals = new Map<string, number>();
  const bump = (map: Map<string, number>, key: unknown) =>
    map.set(String(key), (map.get(String(key)) ?? 0) + 1);
  provider.on('grant.success', (ctx) => bump(grants, ctx.oidc.params?.grant_type));
  provider.on('grant.error', (ctx) => bump(refusals, ctx.oidc.params?.grant_type));
  const apiCalls: string[] = [];
  const issued: { destroy(): Promise<void> }[] = [];
  provider.on('access_token.saved', (token) => issued.push(token));
  provider.on('refresh_token.saved', (token) => issued.push(token));
  provider.on('client_credentials.saved', (token) => issued.push(token));
  const callback = provider.callback();

  async function validAccessToken(header: string | undefined): Promise<boolean> {
    const token = header?.match(/^Bearer (.+)$/)?.[1];
    if (!token) return false;
    const found = (await provider.AccessToken.find(token)) ?? (await provider.ClientCredentials.find(token));
    return found !== undefined && !found.isExpired;
  }

  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const path = req.url ?? '/';
    void (async () => {
      if (path.startsWith('/api/') || path.startsWith('/quirky/')) {
        apiCalls.push(req.headers.authorization ?? '');
        const ok = await validAccessToken(req.headers.authorization);
        const quirky = path.startsWith('/quirky/');
        res.writeHead(ok ? 200 : quirky ? 400 : 401, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify(
            ok
              ? { contacts: [{ id: 1 }] }
              : quirky
                ? { error: { code: 'TOKEN_EXPIRED' } }
                : { error: 'invalid_token' },
          ),
        );
        return;
      }
      if (path.startsWith('/interaction/')) {
        const details = await provider.interactionDetails(req, res);
        const grant = new provider.Grant({
          accountId: 'person-1',
          clientId: String(details.params.client_id),
        });
        grant.addOIDCScope(String(details.params.scope ?? 'openid'));
        const grantId = await grant.save();
        await provider.interactionFinished(
          req,
          res,
          { login: { accountId: 'person-1' }, consent: { grantId } },
          { mergeWithLastSubmission: false },
        );
        return;
      }
      callback(req, res);
    })().catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });

  async function authorize(start: string): Promise<URL> {
    const cookies = new Map<string, string>();
    let url = new URL(start);
    for (let hop = 0; hop < 10; hop++) {
      if (url.origin !== issuer) return url;
      const response = await fetch(url, {
        redirect: 'manual',
        headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
      });
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const at = pair!.indexOf('=');
        cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
      }
      const location = response.headers.get('location');
      if (!location)
        throw new Error(
          `the authorization stopped at ${url} with ${response.status}: ${await response.text()}`,
        );
      url = new URL(location, url);
    }
    throw new Error('the authorization redirected too often');
  }

  return {
    issuer,
    tokenUrl: `${issuer}/token`,
    authorizeUrl: `${issuer}/auth`,
    provider,
    grants,
    refusals,
    apiCalls,
    apiUrl: `${issuer}/api`,
    quirkyUrl: `${issuer}/quirky`,
    async revokeAccessToken(token) {
      const found =
        (await provider.AccessToken.find(token)) ?? (await provider.ClientCredentials.find(token));
      await found?.destroy();
    },
    async revokeRefreshToken(token) {
      await (await provider.RefreshToken.find(token))?.destroy();
    },
    async revokeAll() {
      for (const token of issued.splice(0)) await token.destroy();
    },
    authorize,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
