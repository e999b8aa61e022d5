import { parseAllowList } from '@weft/core/net';
import { readOAuth2State, toObjectId } from '@weft/db';
import { CC_CLIENT, CODE_CLIENT, type OAuth2Server, startOAuth2Server } from '@weft/devdb/oauth2-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection } from './fixtures.js';
import { uniqueKey, useApi } from './harness.js';

/** Where browsers reach the api in this test; the test itself delivers the callback to the api. */
const PUBLIC_URL = 'http://weft.test';
const REDIRECT_URI = `${PUBLIC_URL}/oauth2/callback`;
const h = useApi({ deps: { httpAllowList: parseAllowList('127.0.0.1'), publicUrl: PUBLIC_URL } });
let server: OAuth2Server;
let appId: string;

beforeAll(async () => {
  server = await startOAuth2Server({ redirectUris: [REDIRECT_URI] });
  appId = (
    await h.caller.apps.create({ key: uniqueKey('crm'), name: 'CRM', signature: { scheme: 'generic' } })
  ).id;
});
afterAll(async () => {
  await server.close();
});

function codeConnection(name = 'CRM (person)') {
  return h.caller.connections.create({
    appId,
    name,
    secrets: { clientSecret: CODE_CLIENT.secret },
    makeDefault: false,
    oauth2: {
      grant: 'authorization_code',
      clientId: CODE_CLIENT.id,
      tokenUrl: server.tokenUrl,
      authorizeUrl: server.authorizeUrl,
      scopes: ['openid', 'offline_access'],
    },
  });
}

/** What the browser does after the authorization server sent it back: the api's callback. */
async function deliverCallback(back: URL): Promise<Response> {
  expect(`${back.origin}${back.pathname}`).toBe(REDIRECT_URI);
  return fetch(`${h.baseUrl}${back.pathname}${back.search}`, { redirect: 'manual' });
}

describe('OAuth2 connections over the api', () => {
  it('refuses an OAuth2 connection without a client id, naming the field, and stores nothing', async () => {
    const before = (await h.caller.connections.list({ appId })).length;
    const refused = await rejection(
      h.caller.connections.create({
        appId,
        name: 'no client',
        secrets: { clientSecret: 'x' },
        // @ts-expect-error the client id is missing on purpose
        oauth2: { grant: 'client_credentials', tokenUrl: server.tokenUrl },
      }),
    );
    expect(refused.code).toBe('BAD_REQUEST');
    expect(refused.message).toContain('oauth2.clientId is required: an OAuth2 connection needs a client id');
    const noSecret = await rejection(
      h.caller.connections.create({
        appId,
        name: 'no secret',
        oauth2: { grant: 'client_credentials', clientId: CC_CLIENT.id, tokenUrl: server.tokenUrl },
      }),
    );
    expect(noSecret.message).toContain('secrets.clientSecret is required');
    expect((await h.caller.connections.list({ appId })).length).toBe(before);
  });

  it('connects with the authorization code grant and PKCE; tokens are stored encrypted and never answered', async () => {
    const connection = await codeConnection();
    expect(connection.oauth2).toMatchObject({
      status: 'not_connected',
      config: { grant: 'authorization_code' },
    });
    const started = await h.caller.connections.authorize({ id: connection.id });
    expect(started.redirectUri).toBe(REDIRECT_URI);
    const url = new URL(started.url);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const before = server.grants.get('authorization_code') ?? 0;
    const answer = await deliverCallback(await server.authorize(started.url));
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe(
      `/#/apps/${appId}?oauth2=connected&connection=${connection.id}`,
    );
    expect(server.grants.get('authorization_code')).toBe(before + 1);

    const shown = await h.caller.connections.get({ id: connection.id });
    expect(shown.oauth2).toMatchObject({ status: 'connected', hasRefreshToken: true, lastError: null });
    expect(shown.oauth2?.expiresAt).toBeInstanceOf(Date);
    const state = await readOAuth2State(
      h.db.models,
      h.deps.keyring,
      h.workspaceId,
      toObjectId(connection.id, 'id'),
    );
    const { accessToken, refreshToken } = state!.tokens!;
    const answers = JSON.stringify([shown, await h.caller.connections.list({ appId })]);
    expect(answers).not.toContain(accessToken);
    expect(answers).not.toContain(refreshToken!);
    const raw = JSON.stringify(
      await h.db.models.Connection.collection.findOne({ _id: toObjectId(connection.id, 'id') }),
    );
    expect(raw).not.toContain(accessToken);
    expect(raw).not.toContain(refreshToken!);
    const checked = await h.caller.connections.test({ id: connection.id });
    expect(checked.checks).toContainEqual({
      name: 'oauth2',
      ok: true,
      message: 'holds an OAuth2 access token',
    });

    // The same callback again: the state was used up.
    const replay = await fetch(answer.url.replace(/\/#.*$/, ''), { redirect: 'manual' });
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('unknown, already used or expired');
  });

  it('a refused authorization marks the connection failing with a reconnect message', async () => {
    const connection = await codeConnection('CRM (declined)');
    const started = await h.caller.connections.authorize({ id: connection.id });
    const state = new URL(started.url).searchParams.get('state')!;
    const answer = await fetch(
      `${h.baseUrl}/oauth2/callback?state=${encodeURIComponent(state)}&error=access_denied&error_description=declined`,
      { redirect: 'manual' },
    );
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toContain('oauth2=failed');
    const shown = await h.caller.connections.get({ id: connection.id });
    expect(shown.oauth2).toMatchObject({ status: 'failing' });
    expect(shown.oauth2?.lastError).toBe(
      'the OAuth2 authorization failed (the authorization server answered access_denied: declined); reconnect the connection',
    );
    expect(shown.health.status).toBe('failing');
    const checked = await h.caller.connections.test({ id: connection.id });
    expect(checked.ok).toBe(false);
    expect(checked.checks.find((c) => c.name === 'oauth2')?.message).toContain('reconnect the connection');

    // Reconnecting works from a failing connection.
    const again = await h.caller.connections.authorize({ id: connection.id });
    expect((await deliverCallback(await server.authorize(again.url))).status).toBe(303);
    expect((await h.caller.connections.get({ id: connection.id })).oauth2?.status).toBe('connected');
  });

  it('a callback without a known state changes nothing', async () => {
    const answer = await fetch(`${h.baseUrl}/oauth2/callback?state=forged&code=x`, { redirect: 'manual' });
    expect(answer.status).toBe(400);
    const missing = await fetch(`${h.baseUrl}/oauth2/callback?code=x`, { redirect: 'manual' });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('no state parameter');
  });

  it('client credentials need no authorization; a connection without OAuth2 cannot start one', async () => {
    const cc = await h.caller.connections.create({
      appId,
      name: 'CRM (service)',
      secrets: { clientSecret: CC_CLIENT.secret },
      makeDefault: false,
      oauth2: { grant: 'client_credentials', clientId: CC_CLIENT.id, tokenUrl: server.tokenUrl },
    });
    const refused = await rejection(h.caller.connections.authorize({ id: cc.id }));
    expect(refused.code).toBe('BAD_REQUEST');
    expect(refused.message).toContain('uses the client_credentials grant, which needs no authorization');
    const plain = await h.caller.connections.create({
      appId,
      name: 'plain',
      secrets: { token: 't' },
      makeDefault: false,
    });
    expect((await rejection(h.caller.connections.authorize({ id: plain.id }))).message).toContain(
      'uses no OAuth2',
    );
    // Switching a connection without a client secret to client credentials is refused, naming it.
    const switched = await rejection(
      h.caller.connections.update({
        id: plain.id,
        oauth2: { grant: 'client_credentials', clientId: CC_CLIENT.id, tokenUrl: server.tokenUrl },
      }),
    );
    expect(switched.message).toContain('secrets.clientSecret is required');
    expect((await h.caller.connections.get({ id: plain.id })).oauth2).toBeNull();
  });

  it('validate and publish refuse an OAuth2 request whose connection has no OAuth2, naming the node and field', async () => {
    const plain = await h.caller.connections.create({
      appId,
      name: 'API key only',
      secrets: { apiKey: 'k' },
      makeDefault: false,
    });
    const oauth = await codeConnection('CRM (for a scenario)');
    const graph = (connectionId: string) => ({
      nodes: [
        { id: 'start', type: 'trigger.manual', version: 1, config: {}, position: { x: 0, y: 0 } },
        {
          id: 'crm',
          type: 'http.request',
          version: 2,
          config: { url: `${server.apiUrl}/contacts`, connectionId, auth: { kind: 'oauth2' } },
          position: { x: 200, y: 0 },
        },
      ],
      edges: [{ id: 'e1', source: 'start', target: 'crm' }],
    });
    const wrong = await h.caller.scenarios.create({
      name: 'CRM sync (wrong connection)',
      draft: graph(plain.id),
    });
    expect((await h.caller.scenarios.validate({ id: wrong.id })).problems).toEqual([
      {
        code: 'invalid_config',
        nodeId: 'crm',
        path: ['connectionId'],
        message:
          'Node "crm" (http.request) field "connectionId": connection "API key only" has no OAuth2 configuration; auth "oauth2" needs an OAuth2 connection',
      },
    ]);
    expect((await rejection(h.caller.scenarios.publish({ id: wrong.id }))).code).toBe('BAD_REQUEST');
    const right = await h.caller.scenarios.create({ name: 'CRM sync', draft: graph(oauth.id) });
    expect((await h.caller.scenarios.validate({ id: right.id })).problems).toEqual([]);
  });
});
