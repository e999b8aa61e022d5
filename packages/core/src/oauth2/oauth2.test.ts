import { describe, expect, it } from 'vitest';
import { createConnectionInput } from '../schemas/inputs.js';
import { oauth2ConfigSchema } from './config.js';
import { signalsExpiredToken } from './expiry.js';
import { oauth2ConnectionIds, oauth2ConnectionProblems } from './graph-problems.js';
import { authorizationOf, authorizeUrl, parseTokenResponse, refreshDue, tokenRequest } from './tokens.js';

const base = {
  grant: 'client_credentials',
  clientId: 'weft-crm',
  tokenUrl: 'https://auth.example/token',
} as const;
const appId = 'aaaaaaaaaaaaaaaaaaaaaaaa';

function messages(result: {
  success: boolean;
  error?: { issues: { message: string; path: PropertyKey[] }[] };
}) {
  return (result.error?.issues ?? []).map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('OAuth2 configuration', () => {
  it('a connection without a client id is refused, naming the field', () => {
    const { clientId: _omitted, ...withoutClientId } = base;
    const result = createConnectionInput.safeParse({
      appId,
      name: 'CRM',
      secrets: { clientSecret: 's' },
      oauth2: withoutClientId,
    });
    expect(result.success).toBe(false);
    expect(messages(result)).toEqual([
      'oauth2.clientId: oauth2.clientId is required: an OAuth2 connection needs a client id',
    ]);
    const blank = createConnectionInput.safeParse({
      appId,
      name: 'CRM',
      secrets: { clientSecret: 's' },
      oauth2: { ...base, clientId: '  ' },
    });
    expect(messages(blank)).toEqual([
      'oauth2.clientId: oauth2.clientId is required: an OAuth2 connection needs a client id',
    ]);
  });

  it('client credentials need the client secret; authorization code needs the authorize URL', () => {
    expect(messages(createConnectionInput.safeParse({ appId, name: 'CRM', oauth2: base }))).toEqual([
      'secrets.clientSecret: secrets.clientSecret is required: the client_credentials grant authenticates with the client secret',
    ]);
    expect(messages(oauth2ConfigSchema.safeParse({ ...base, grant: 'authorization_code' }))).toEqual([
      'authorizeUrl: oauth2.authorizeUrl is required for the authorization_code grant',
    ]);
    expect(messages(oauth2ConfigSchema.safeParse({ ...base, tokenUrl: 'ftp://x' }))).toEqual([
      'tokenUrl: oauth2.tokenUrl must be an absolute http(s) URL',
    ]);
    expect(messages(oauth2ConfigSchema.safeParse({ ...base, expiredWhen: 'response.(' }))[0]).toMatch(
      /^expiredWhen: oauth2.expiredWhen is not a valid expression/,
    );
  });

  it('fills defaults', () => {
    expect(oauth2ConfigSchema.parse(base)).toEqual({
      ...base,
      scopes: [],
      clientAuth: 'basic',
      refreshAheadSec: 60,
    });
  });
});

describe('token responses', () => {
  it('reads a token with its expiry, keeping the previous refresh token when none comes back', () => {
    const outcome = parseTokenResponse(
      { status: 200, body: JSON.stringify({ access_token: 'at', token_type: 'bearer', expires_in: 300 }) },
      1_000,
      'rt-old',
    );
    expect(outcome).toEqual({
      ok: true,
      tokens: { accessToken: 'at', tokenType: 'bearer', refreshToken: 'rt-old', expiresAt: 301_000 },
    });
    if (outcome.ok) expect(authorizationOf(outcome.tokens)).toBe('Bearer at');
  });

  it('tells a refused grant (reconnect) from a failure that may pass', () => {
    expect(
      parseTokenResponse(
        {
          status: 400,
          body: JSON.stringify({ error: 'invalid_grant', error_description: 'grant request is invalid' }),
        },
        0,
      ),
    ).toEqual({
      ok: false,
      rejected: true,
      message: 'the token endpoint answered invalid_grant: grant request is invalid',
    });
    expect(parseTokenResponse({ status: 503, body: 'busy' }, 0)).toEqual({
      ok: false,
      rejected: false,
      message: 'the token endpoint answered HTTP 503',
    });
    expect(parseTokenResponse({ status: 200, body: '{}' }, 0)).toMatchObject({ ok: false, rejected: false });
  });

  it('is due for renewal within refreshAheadSec of its expiry, never without an expiry', () => {
    expect(refreshDue({ expiresAt: 100_000 }, 39_999, 60)).toBe(false);
    expect(refreshDue({ expiresAt: 100_000 }, 40_000, 60)).toBe(true);
    expect(refreshDue({ expiresAt: null }, 10 ** 15, 60)).toBe(false);
  });
});

describe('token requests', () => {
  const config = oauth2ConfigSchema.parse({ ...base, scopes: ['contacts:read', 'deals'], audience: 'crm' });

  it('client credentials with HTTP Basic client authentication', () => {
    const request = tokenRequest(config, 'p@ss word', { kind: 'client_credentials' });
    expect(request.url).toBe('https://auth.example/token');
    expect(request.headers.Authorization).toBe(`Basic ${btoa('weft-crm:p%40ss%20word')}`);
    expect(Object.fromEntries(new URLSearchParams(request.body))).toEqual({
      grant_type: 'client_credentials',
      scope: 'contacts:read deals',
      audience: 'crm',
    });
  });

  it('a refresh with the client in the body; a public client sends only its id', () => {
    const post = tokenRequest({ ...config, clientAuth: 'post' }, 'sec', {
      kind: 'refresh_token',
      refreshToken: 'rt',
    });
    expect(post.headers.Authorization).toBeUndefined();
    expect(Object.fromEntries(new URLSearchParams(post.body))).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'rt',
      client_id: 'weft-crm',
      client_secret: 'sec',
    });
    const code = tokenRequest(config, undefined, {
      kind: 'authorization_code',
      code: 'c',
      redirectUri: 'https://weft.example/oauth2/callback',
      codeVerifier: 'v',
    });
    expect(Object.fromEntries(new URLSearchParams(code.body))).toEqual({
      grant_type: 'authorization_code',
      code: 'c',
      redirect_uri: 'https://weft.example/oauth2/callback',
      code_verifier: 'v',
      client_id: 'weft-crm',
    });
  });

  it('the authorize URL carries state and the S256 challenge', () => {
    const url = new URL(
      authorizeUrl(
        { ...config, grant: 'authorization_code', authorizeUrl: 'https://auth.example/authorize?tenant=1' },
        { state: 'st', codeChallenge: 'ch', redirectUri: 'https://weft.example/oauth2/callback' },
      ),
    );
    expect(Object.fromEntries(url.searchParams)).toEqual({
      tenant: '1',
      response_type: 'code',
      client_id: 'weft-crm',
      redirect_uri: 'https://weft.example/oauth2/callback',
      state: 'st',
      code_challenge: 'ch',
      code_challenge_method: 'S256',
      scope: 'contacts:read deals',
      audience: 'crm',
    });
  });
});

describe('expired-token signals', () => {
  const ok = { status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };
  it('a 401 always; another answer only when expiredWhen says so', async () => {
    expect(await signalsExpiredToken({ ...ok, status: 401 }, undefined)).toBe(true);
    expect(await signalsExpiredToken(ok, undefined)).toBe(false);
    const predicate = 'response.status = 400 and response.body.error.code = "TOKEN_EXPIRED"';
    expect(await signalsExpiredToken(ok, predicate)).toBe(false);
    expect(
      await signalsExpiredToken(
        { ...ok, status: 400, body: '{"error":{"code":"TOKEN_EXPIRED"}}' },
        predicate,
      ),
    ).toBe(true);
  });
});

describe('graph problems of OAuth2 requests', () => {
  const oauthId = 'aaaaaaaaaaaaaaaaaaaaaaaa';
  const plainId = 'bbbbbbbbbbbbbbbbbbbbbbbb';
  const unknownId = 'cccccccccccccccccccccccc';
  const call = (id: string, connectionId: string, kind = 'oauth2') => ({
    id,
    type: 'http.request',
    version: 2,
    config: { url: 'https://crm.example', connectionId, auth: { kind } },
    position: { x: 0, y: 0 },
  });
  const connections = new Map([
    [oauthId, { name: 'CRM', oauth2: true }],
    [plainId, { name: 'Plain', oauth2: false }],
  ]);

  it('names a node whose connection has no OAuth2 configuration; judges only listed connections', () => {
    const graph = {
      nodes: [call('a', oauthId), call('b', plainId), call('c', unknownId), call('d', plainId, 'bearer')],
      edges: [],
    };
    expect(oauth2ConnectionProblems(graph, connections)).toEqual([
      {
        code: 'invalid_config',
        nodeId: 'b',
        path: ['connectionId'],
        message:
          'Node "b" (http.request) field "connectionId": connection "Plain" has no OAuth2 configuration; auth "oauth2" needs an OAuth2 connection',
      },
    ]);
    expect(oauth2ConnectionIds(graph)).toEqual([oauthId, plainId, unknownId]);
  });
});
