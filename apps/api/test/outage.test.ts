import type { Server } from 'node:http';
import { createKeyring, generateSecretKey } from '@weft/core/secrets';
import { createApiToken, createModels, createQueue, createWorkspace, type Database } from '@weft/db';
import { type EmbeddedMongo, startEmbeddedMongo } from '@weft/devdb';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { resolveDeps } from '../src/deps.js';
import { createCaller } from '../src/router/index.js';
import { createInnerContext } from '../src/trpc.js';
import {
  closeServer,
  createSignedApp,
  type Harness,
  listen,
  postSigned,
  request,
  silentLogger,
} from './harness.js';

/**
 * A database server of this file's own, stopped mid-test: the api must answer 503 (or
 * SERVICE_UNAVAILABLE) and keep running. The connection fails fast (no command buffering, short
 * server selection) so the test does not wait out the production timeouts.
 */
let mongo: EmbeddedMongo;
let server: Server | undefined;
const h = {} as Harness;

beforeAll(async () => {
  mongo = await startEmbeddedMongo({ backend: 'memory', port: 0 });
  const connection = mongoose.createConnection(mongo.uri, {
    dbName: 'weft_outage',
    // Short, but long enough for a loaded machine to answer while the server is up.
    serverSelectionTimeoutMS: 3_000,
    bufferCommands: false,
    autoIndex: false,
  });
  connection.on('error', () => {});
  await connection.asPromise();
  const models = createModels(connection);
  for (const model of Object.values(models)) await model.createIndexes();
  const database: Database = { connection, models, close: () => connection.close() };
  h.db = database;
  h.queue = createQueue(database, { name: 'outage' });
  h.queue.on('error', () => {});
  h.deps = resolveDeps({
    database,
    queue: h.queue,
    keyring: createKeyring({ current: 'k1', keys: { k1: generateSecretKey() } }),
    logger: silentLogger,
    limits: { appCacheTtlMs: 60_000 },
  });
  const listening = await listen(createApp(h.deps));
  server = listening.server;
  h.server = listening.server;
  h.baseUrl = listening.baseUrl;
  const workspace = await createWorkspace(models, 'Outage');
  h.workspaceId = workspace._id;
  h.token = (await createApiToken(models, workspace._id, 'outage')).token;
  h.caller = createCaller(createInnerContext({ deps: h.deps, bearerToken: h.token }));
});

afterAll(async () => {
  await closeServer(server);
  await h.db?.close().catch(() => {});
  await mongo?.stop();
});

describe('database unavailable', () => {
  it('answers 503 with a clear error, never crashes, and stores nothing half-way', async () => {
    const cached = await createSignedApp(h, { scheme: 'github' });
    const uncached = await createSignedApp(h, { scheme: 'github' });
    expect((await postSigned(h, cached, '{"before":true}')).status).toBe(202);

    await mongo.stop();

    const afterCached = await postSigned(h, cached, '{"during":1}');
    expect(afterCached.status).toBe(503);
    expect(afterCached.json).toEqual({
      error: 'database_unavailable',
      message: expect.stringMatching(/retry later/),
    });

    const afterUncached = await postSigned(h, uncached, '{"during":2}');
    expect(afterUncached.status).toBe(503);
    expect(afterUncached.json.error).toBe('database_unavailable');

    const health = await request(`${h.baseUrl}/health`);
    expect(health.status).toBe(503);
    expect(health.json).toMatchObject({ status: 'unhealthy', checks: { database: { ok: false } } });

    const trpc = await request(
      // superjson on the wire: { json: <input> }.
      `${h.baseUrl}/trpc/runs.get?input=${encodeURIComponent('{"json":{"id":"0123456789abcdef01234567"}}')}`,
      {
        headers: { authorization: `Bearer ${h.token}` },
      },
    );
    expect(trpc.status).toBe(503);
    expect(trpc.json.error.json.data.code).toBe('SERVICE_UNAVAILABLE');

    const trigger = await request(`${h.baseUrl}/trigger/0123456789abcdef01234567`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.token}` },
      body: '{}',
    });
    expect(trigger.status).toBe(503);

    const info = await request(`${h.baseUrl}/system/info`);
    expect(info.status).toBe(200);
  });
});
