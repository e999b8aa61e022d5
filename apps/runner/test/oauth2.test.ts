import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { authorizeUrl, type OAuth2ConfigInput, parseTokenResponse, tokenRequest } from '@weft/core';
import { parseAllowList } from '@weft/core/net';
import { createKeyring, generateSecretKey } from '@weft/core/secrets';
import {
  createConnection,
  type Database,
  findConnection,
  readOAuth2State,
  type RunDoc,
  scheduleRun,
  setConnectionSecrets,
  storeOAuth2Tokens,
} from '@weft/db';
import type { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient, type HttpClient } from '../src/execution/http-client.js';
import { oauth2TokenRequestsTotal } from '../src/observability/metrics.js';
import { OAuth2TokenSource } from '../src/execution/oauth2-tokens.js';
import { startWorker } from '../src/worker.js';
import {
  CC_CLIENT,
  CODE_CLIENT,
  type OAuth2Server,
  pkcePair,
  startOAuth2Server,
} from '@weft/devdb/oauth2-server';
import { edge, eventually, keyring, node, publish, queueRuns, runOf, stepOf } from './fixtures/seed.js';
import { setUpRuns } from './fixtures/run-setup.js';

const { ctx, queue, seeded, workers, logger, connectAgain } = await setUpRuns({
  name: 'oauth2-test-enqueuer',
});
const other = await connectAgain();
const REDIRECT_URI = 'http://127.0.0.1:1/oauth2/callback';
const TTL_SEC = 300;
let server: OAuth2Server;
/** The runner's clock for token expiry: moved forward instead of waiting. */
let clockOffsetMs = 0;
const now = () => Date.now() + clockOffsetMs;
const http: HttpClient = createHttpClient({ allowList: parseAllowList('127.0.0.1') });

function tokenSource(db: Database, owner: string, client: HttpClient = http) {
  return new OAuth2TokenSource({ models: db.models, keyring, http: client, owner, now, waitEveryMs: 25 });
}

beforeAll(async () => {
  server = await startOAuth2Server({ redirectUris: [REDIRECT_URI], accessTokenTtlSec: TTL_SEC });
  workers.push(
    await startWorker(
      {
        db: ctx.db,
        keyring,
        http,
        logger,
        owner: 'oauth2-runner',
        oauth2: tokenSource(ctx.db, 'oauth2-runner'),
      },
      { concurrency: 4, processEveryMs: 100, leaseMs: 10_000, shutdownGraceMs: 1_000, sweep: false },
    ),
  );
});
afterAll(() => server.close());

const grants = (kind: string) => server.grants.get(kind) ?? 0;
/** What this process's metric counted (every token source of this file shares the registry). */
async function counted(grant: string, outcome: string): Promise<number> {
  const metric = await oauth2TokenRequestsTotal.get();
  return metric.values.find((v) => v.labels.grant === grant && v.labels.outcome === outcome)?.value ?? 0;
}
const refusals = (kind: string) => server.refusals.get(kind) ?? 0;

async function oauthConnection(config: Partial<OAuth2ConfigInput> = {}): Promise<Types.ObjectId> {
  const grant = config.grant ?? 'client_credentials';
  const client = grant === 'client_credentials' ? CC_CLIENT : CODE_CLIENT;
  const connection = await createConnection(ctx.db.models, keyring, seeded.workspaceId, {
    appId: seeded.appId.toHexString(),
    name: `crm ${randomBytes(3).toString('hex')}`,
    secrets: { clientSecret: client.secret },
    makeDefault: false,
    oauth2: {
      grant,
      clientId: client.id,
      tokenUrl: server.tokenUrl,
      authorizeUrl: server.authorizeUrl,
      scopes: grant === 'authorization_code' ? ['openid', 'offline_access'] : [],
      ...config,
    },
  });
  return connection._id;
}

/** Connects an authorization-code connection as the api's callback does: code, PKCE, token request. */
async function connectWithCode(connectionId: Types.ObjectId): Promise<void> {
  const state = (await readOAuth2State(ctx.db.models, keyring, seeded.workspaceId, connectionId))!;
  const pkce = pkcePair();
  const back = await server.authorize(
    authorizeUrl(state.config, { state: 'st', codeChallenge: pkce.challenge, redirectUri: REDIRECT_URI }),
  );
  const code = back.searchParams.get('code');
  expect(code, back.toString()).toBeTruthy();
  const request = tokenRequest(state.config, CODE_CLIENT.secret, {
    kind: 'authorization_code',
    code: code!,
    redirectUri: REDIRECT_URI,
    codeVerifier: pkce.verifier,
  });
  const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body });
  const outcome = parseTokenResponse({ status: response.status, body: await response.text() }, now());
  if (!outcome.ok) throw new Error(outcome.message);
  expect(outcome.tokens.refreshToken).toBeTruthy();
  await storeOAuth2Tokens(ctx.db.models, keyring, seeded.workspaceId, connectionId, outcome.tokens);
}

async function tokensOf(connectionId: Types.ObjectId) {
  return (await readOAuth2State(ctx.db.models, keyring, seeded.workspaceId, connectionId))!.tokens!;
}

async function runCall(connectionId: Types.ObjectId, url = `${server.apiUrl}/contacts`): Promise<RunDoc> {
  const version = await publish(
    ctx.db,
    seeded.workspaceId,
    [
      node('start', 'trigger.manual', {}),
      node(
        'crm',
        'http.request',
        { url, connectionId: connectionId.toHexString(), auth: { kind: 'oauth2' } },
        { retry: { maxAttempts: 1 } },
      ),
    ],
    [edge('start', 'crm')],
  );
  const [runId] = await queueRuns(ctx.db, version, 1);
  await scheduleRun(queue, runId!);
  return eventually(
    async () => {
      const run = await runOf(ctx.db, runId!);
      return ['succeeded', 'failed', 'dead'].includes(run.status) ? run : null;
    },
    30_000,
    async () => (await runOf(ctx.db, runId!)).status,
  );
}

describe('OAuth2 client credentials', () => {
  it('gets a token on first use, sends it, reuses it, and never shows it', async () => {
    const connectionId = await oauthConnection();
    const before = grants('client_credentials');
    const issuedBefore = await counted('client_credentials', 'issued');
    const first = await runCall(connectionId);
    expect(first.status).toBe('succeeded');
    expect(stepOf(first, 'crm').output).toMatchObject({ status: 200, body: { contacts: [{ id: 1 }] } });
    expect(grants('client_credentials')).toBe(before + 1);
    expect(await counted('client_credentials', 'issued')).toBe(issuedBefore + 1);
    const { accessToken } = await tokensOf(connectionId);
    expect(server.apiCalls.at(-1)).toBe(`Bearer ${accessToken}`);
    expect(JSON.stringify(first)).not.toContain(accessToken);

    expect((await runCall(connectionId)).status).toBe('succeeded');
    expect(grants('client_credentials')).toBe(before + 1);
    expect(server.apiCalls.at(-1)).toBe(`Bearer ${accessToken}`);
    const doc = (await findConnection(ctx.db.models, seeded.workspaceId, connectionId.toHexString()))!;
    expect(doc.oauth2).toMatchObject({ status: 'connected', hasRefreshToken: false });
    expect(JSON.stringify(doc)).not.toContain(accessToken);
  });

  it('renews the token ahead of expires_in, before the API could refuse it', async () => {
    const connectionId = await oauthConnection({ refreshAheadSec: 60 });
    expect((await runCall(connectionId)).status).toBe('succeeded');
    const old = await tokensOf(connectionId);
    const before = grants('client_credentials');
    const calls = server.apiCalls.length;
    clockOffsetMs += (TTL_SEC - 30) * 1000;
    try {
      expect((await runCall(connectionId)).status).toBe('succeeded');
    } finally {
      clockOffsetMs -= (TTL_SEC - 30) * 1000;
    }
    const renewed = await tokensOf(connectionId);
    expect(grants('client_credentials')).toBe(before + 1);
    expect(renewed.accessToken).not.toBe(old.accessToken);
    // One API call, with the new token: the renewal came first.
    expect(server.apiCalls.slice(calls)).toEqual([`Bearer ${renewed.accessToken}`]);
  });

  it('on a 401 renews the token and sends the request once more', async () => {
    const connectionId = await oauthConnection();
    expect((await runCall(connectionId)).status).toBe('succeeded');
    const old = await tokensOf(connectionId);
    await server.revokeAccessToken(old.accessToken);
    const calls = server.apiCalls.length;
    const run = await runCall(connectionId);
    expect(run.status).toBe('succeeded');
    expect(stepOf(run, 'crm')).toMatchObject({ attempts: 1, output: { status: 200 } });
    const renewed = await tokensOf(connectionId);
    expect(server.apiCalls.slice(calls)).toEqual([
      `Bearer ${old.accessToken}`,
      `Bearer ${renewed.accessToken}`,
    ]);
  });

  it('renews when the configured predicate says the token expired (an API that answers 400)', async () => {
    const quirky = `${server.quirkyUrl}/contacts`;
    const connectionId = await oauthConnection({
      expiredWhen: 'response.status = 400 and response.body.error.code = "TOKEN_EXPIRED"',
    });
    expect((await runCall(connectionId, quirky)).status).toBe('succeeded');
    await server.revokeAccessToken((await tokensOf(connectionId)).accessToken);
    const run = await runCall(connectionId, quirky);
    expect(run.status).toBe('succeeded');
    // Without the predicate the same answer is just an error of the call.
    const plain = await oauthConnection();
    expect((await runCall(plain, quirky)).status).toBe('succeeded');
    await server.revokeAccessToken((await tokensOf(plain)).accessToken);
    const failed = await runCall(plain, quirky);
    expect(failed.status).toBe('failed');
    expect(stepOf(failed, 'crm').error).toMatchObject({ code: 'http_4xx' });
  });

  it('two runners that need a new token at once make one token request; both use its token', async () => {
    const connectionId = await oauthConnection();
    expect((await runCall(connectionId)).status).toBe('succeeded');
    const { accessToken: old } = await tokensOf(connectionId);
    // A slow token endpoint keeps the first renewal open while every other caller arrives.
    const slow: HttpClient = async (request, signal) => {
      if (request.url === server.tokenUrl) await sleep(300);
      return http(request, signal);
    };
    const runners = [tokenSource(ctx.db, 'runner-a', slow), tokenSource(other, 'runner-b', slow)];
    const signal = new AbortController().signal;

    // Ahead of expiry: both see the token due.
    const before = grants('client_credentials');
    clockOffsetMs += TTL_SEC * 1000;
    let ahead: { authorization: string }[];
    try {
      ahead = await Promise.all(
        [0, 1, 0, 1, 0, 1].map((i) => runners[i]!.token(seeded.workspaceId, connectionId, signal)),
      );
    } finally {
      clockOffsetMs -= TTL_SEC * 1000;
    }
    expect(grants('client_credentials')).toBe(before + 1);
    const { accessToken: fresh } = await tokensOf(connectionId);
    expect(fresh).not.toBe(old);
    expect(new Set(ahead.map((t) => t.authorization))).toEqual(new Set([`Bearer ${fresh}`]));

    // After a 401: both hold the same rejected version; one renews, the other reads its token.
    const seen = await runners[0]!.token(seeded.workspaceId, connectionId, signal);
    const afterRejection = await Promise.all(
      [0, 1, 1, 0].map((i) =>
        runners[i]!.renewAfterRejection(seeded.workspaceId, connectionId, seen.version, signal),
      ),
    );
    expect(grants('client_credentials')).toBe(before + 2);
    const { accessToken: third } = await tokensOf(connectionId);
    expect(new Set(afterRejection.map((t) => t.authorization))).toEqual(new Set([`Bearer ${third}`]));
  });

  it('tokens the keyring cannot decrypt are a secret_missing error naming the variable', async () => {
    const connectionId = await oauthConnection();
    expect((await runCall(connectionId)).status).toBe('succeeded');
    const stranger = new OAuth2TokenSource({
      models: ctx.db.models,
      keyring: createKeyring({ current: 'other', keys: { other: generateSecretKey() } }),
      http,
      owner: 'stranger',
    });
    await expect(
      stranger.token(seeded.workspaceId, connectionId, new AbortController().signal),
    ).rejects.toMatchObject({
      code: 'secret_missing',
      message: expect.stringContaining('WEFT_SECRET_KEYS'),
    });
  });

  it('a wrong client secret marks the connection failing with a reconnect message', async () => {
    const connectionId = await oauthConnection();
    await setConnectionSecrets(ctx.db.models, keyring, seeded.workspaceId, connectionId.toHexString(), {
      clientSecret: 'wrong-secret',
    });
    const run = await runCall(connectionId);
    expect(run.status).toBe('failed');
    expect(stepOf(run, 'crm').error).toMatchObject({ code: 'oauth2_reconnect' });
    expect(stepOf(run, 'crm').error?.message).toMatch(/invalid_client.*reconnect the connection/);
    const doc = (await findConnection(ctx.db.models, seeded.workspaceId, connectionId.toHexString()))!;
    expect(doc.health.status).toBe('failing');
    expect(doc.oauth2?.status).toBe('failing');
  });
});

describe('OAuth2 authorization code with refresh tokens', () => {
  it('on a 401 renews with the refresh token (rotated) and sends the request once more', async () => {
    const connectionId = await oauthConnection({ grant: 'authorization_code' });
    await connectWithCode(connectionId);
    const old = await tokensOf(connectionId);
    await server.revokeAccessToken(old.accessToken);
    const before = grants('refresh_token');
    const run = await runCall(connectionId);
    expect(run.status).toBe('succeeded');
    expect(grants('refresh_token')).toBe(before + 1);
    const renewed = await tokensOf(connectionId);
    expect(renewed.accessToken).not.toBe(old.accessToken);
    expect(renewed.refreshToken).toBeTruthy();
    expect(renewed.refreshToken).not.toBe(old.refreshToken);
    expect(server.apiCalls.at(-1)).toBe(`Bearer ${renewed.accessToken}`);
  });

  it('a revoked refresh token fails the call and marks the connection failing: reconnect; later calls ask nothing', async () => {
    const connectionId = await oauthConnection({ grant: 'authorization_code' });
    await connectWithCode(connectionId);
    const tokens = await tokensOf(connectionId);
    await server.revokeRefreshToken(tokens.refreshToken!);
    await server.revokeAccessToken(tokens.accessToken);
    const refusedBefore = refusals('refresh_token');
    const refusedCounted = await counted('refresh_token', 'refused');
    const run = await runCall(connectionId);
    expect(run.status).toBe('failed');
    const error = stepOf(run, 'crm').error;
    expect(error).toMatchObject({ code: 'oauth2_reconnect' });
    expect(error?.message).toMatch(/invalid_grant.*reconnect the connection/);
    expect(refusals('refresh_token')).toBe(refusedBefore + 1);
    expect(await counted('refresh_token', 'refused')).toBe(refusedCounted + 1);
    const doc = (await findConnection(ctx.db.models, seeded.workspaceId, connectionId.toHexString()))!;
    expect(doc.health).toMatchObject({ status: 'failing' });
    expect(doc.health.lastError).toMatch(/reconnect the connection/);
    expect(doc.oauth2).toMatchObject({ status: 'failing', tokens: null });

    const calls = server.apiCalls.length;
    const again = await runCall(connectionId);
    expect(stepOf(again, 'crm').error).toMatchObject({ code: 'oauth2_reconnect' });
    expect(refusals('refresh_token')).toBe(refusedBefore + 1);
    expect(server.apiCalls.length).toBe(calls);
  });

  it('a connection not connected yet fails the call, naming what to do', async () => {
    const connectionId = await oauthConnection({ grant: 'authorization_code' });
    const run = await runCall(connectionId);
    expect(stepOf(run, 'crm').error).toMatchObject({ code: 'oauth2_reconnect' });
    expect(stepOf(run, 'crm').error?.message).toMatch(/is not connected yet/);
  });
});
