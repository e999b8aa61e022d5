import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SignatureConfigInput, SignatureScheme } from '@weft/core';
import { signWebhook } from '@weft/core/hmac';
import { createKeyring, generateSecretKey } from '@weft/core/secrets';
import {
  connectDatabase,
  createApiToken,
  createQueue,
  createWorkspace,
  type Database,
  JOBS_COLLECTION,
} from '@weft/db';
import { testDatabase } from '@weft/devdb/test-db';
import type { Express } from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, expect } from 'vitest';
import { createApp } from '../src/app.js';
import { type ApiDeps, type ApiDepsInput, type ApiLimits, type Queue, resolveDeps } from '../src/deps.js';
import type { ObjectId } from '../src/ids.js';
import { createCaller } from '../src/router/index.js';
import { createInnerContext } from '../src/trpc.js';
import { leakedSecrets, recordingCaller, recordResponse, rememberSecret } from './recorder.js';

export type Caller = ReturnType<typeof createCaller>;

export interface Harness {
  db: Database;
  queue: Queue;
  deps: ApiDeps;
  server: Server;
  baseUrl: string;
  /** A bearer token of `workspaceId`. */
  token: string;
  workspaceId: ObjectId;
  /** tRPC procedures called in-process with `token`. */
  caller: Caller;
}

export const silentLogger = pino({ level: 'silent' });

export function testKeyring() {
  return createKeyring({ current: 'k1', keys: { k1: generateSecretKey() } });
}

export async function listen(app: Express): Promise<{ server: Server; baseUrl: string }> {
  const server = await new Promise<Server>((resolve, reject) => {
    const started = app.listen(0, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(started)));
  });
  const { port } = server.address() as AddressInfo;
  return { server, baseUrl: `http://127.0.0.1:${port}` };
}

export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A database of this file's own, the api listening on a free port, a workspace and its token. */
/** A recording caller acting with `token` (see recorder.ts). */
export function callerFor(deps: ApiDeps, token: string | null, signal?: AbortSignal): Caller {
  return recordingCaller(
    createCaller(createInnerContext({ deps, bearerToken: token }), signal ? { signal } : undefined),
  );
}

export function useApi(
  options: { limits?: Partial<ApiLimits>; clock?: () => Date; deps?: Partial<ApiDepsInput> } = {},
): Harness {
  const target = testDatabase();
  const h = {} as Harness;
  beforeAll(async () => {
    h.db = await connectDatabase(target.serverUri, { dbName: target.dbName });
    h.queue = createQueue(h.db, { name: 'api-test' });
    h.deps = resolveDeps({
      database: h.db,
      queue: h.queue,
      keyring: testKeyring(),
      logger: silentLogger,
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
      ...options.deps,
    });
    const listening = await listen(createApp(h.deps));
    h.server = listening.server;
    h.baseUrl = listening.baseUrl;
    const workspace = await createWorkspace(h.db.models, 'Test workspace');
    h.workspaceId = workspace._id;
    h.token = (await createApiToken(h.db.models, workspace._id, 'test')).token;
    h.caller = callerFor(h.deps, h.token);
  });
  afterAll(async () => {
    // No answer of this file may contain a secret stored through the api (every file checks its own).
    expect(leakedSecrets()).toEqual([]);
    await h.deps?.runEvents.close();
    await closeServer(h.server);
    await h.db?.connection.dropDatabase();
    await h.db?.close();
  });
  return h;
}

/** Secrets each scheme accepts (Standard Webhooks needs whsec_<base64>). */
export const SECRETS: Record<SignatureScheme, string> = {
  generic: 'generic-shared-secret-0123456789',
  github: 'github-webhook-secret-0123456789',
  stripe: 'whsec_stripe_endpoint_secret_0123',
  'standard-webhooks': 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  slack: 'slack-signing-secret-0123456789ab',
  shopify: 'shpss_shopify_client_secret_01234',
};

let keyCounter = 0;
export function uniqueKey(prefix = 'app'): string {
  keyCounter += 1;
  return `${prefix}-${keyCounter}-${Math.random().toString(36).slice(2, 8)}`;
}

export interface TestApp {
  id: string;
  key: string;
  secret: string;
  signature: SignatureConfigInput;
}

/** An app with a default connection holding its webhook secret. */
export async function createSignedApp(
  h: Harness,
  signature: SignatureConfigInput,
  secret = SECRETS[signature.scheme],
): Promise<TestApp> {
  const key = uniqueKey(signature.scheme);
  const app = await h.caller.apps.create({ key, name: `App ${key}`, signature });
  await h.caller.connections.create({ appId: app.id, name: 'Default', secrets: { webhookSecret: secret } });
  return { id: app.id, key, secret, signature };
}

export function webhookGraph(appId: string, filter?: string) {
  return {
    nodes: [
      {
        id: 'hook',
        type: 'trigger.webhook',
        version: 1,
        config: filter === undefined ? { appId } : { appId, filter },
        position: { x: 0, y: 0 },
      },
      {
        id: 'log',
        type: 'logger',
        version: 1,
        config: { message: 'got {{ trigger.body }}' },
        position: { x: 200, y: 0 },
      },
    ],
    edges: [{ id: 'e1', source: 'hook', sourceHandle: 'out', target: 'log', targetHandle: 'in' }],
  };
}

/** A scenario started by the app's webhooks, published and (by default) enabled. */
export async function webhookScenario(
  h: Harness,
  appId: string,
  options: { filter?: string; enabled?: boolean; publish?: boolean } = {},
): Promise<string> {
  const scenario = await h.caller.scenarios.create({
    name: `On ${appId}`,
    draft: webhookGraph(appId, options.filter),
  });
  if (options.publish ?? true) await h.caller.scenarios.publish({ id: scenario.id });
  if (options.enabled ?? true) await h.caller.scenarios.setEnabled({ id: scenario.id, enabled: true });
  return scenario.id;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test answers are read field by field
  json: any;
}

export async function request(url: string, init: RequestInit = {}): Promise<HttpAnswer> {
  const response = await fetch(url, init);
  const text = await response.text();
  recordResponse(text);
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Signs `body` as the app's partner would and posts it. */
export function postSigned(
  h: Harness,
  app: TestApp,
  body: string | Buffer,
  options: { headers?: Record<string, string>; now?: Date; id?: string; secret?: string } = {},
): Promise<HttpAnswer> {
  const rawBody = typeof body === 'string' ? Buffer.from(body) : body;
  rememberSecret(options.secret ?? app.secret);
  const signed = signWebhook({
    config: app.signature,
    secret: options.secret ?? app.secret,
    rawBody,
    ...(options.now ? { now: options.now } : {}),
    ...(options.id ? { id: options.id } : {}),
  });
  return request(`${h.baseUrl}/webhook/${app.key}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signed, ...options.headers },
    body: rawBody,
  });
}

export function jobsFor(h: Harness, runIds: readonly string[]) {
  return h.db.connection
    .db!.collection(JOBS_COLLECTION)
    .find({ 'data.runId': { $in: [...runIds] } })
    .toArray();
}
