import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKeyring, generateSecretKey } from '@weft/core/secrets';
import {
  connectDatabase,
  createApp,
  createConnection,
  createScenario,
  type Database,
  publishScenario,
  type RunDoc,
  toObjectId,
} from '@weft/db';
import { CC_CLIENT, type OAuth2Server, startOAuth2Server } from '@weft/devdb/oauth2-server';
import { freePort, type Service, startService, waitFor } from '@weft/devdb/services';
import { testDatabase } from '@weft/devdb/test-db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * An OAuth2 client-credentials connection used by two runner processes at once, against a real
 * authorization server: runs started together get one token between them (one token request),
 * and after the server revoked it, the runs that all meet a 401 renew it once between them.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const target = testDatabase('e2e_oauth2');
const key = generateSecretKey();
const keyring = createKeyring({ current: 'e2e', keys: { e2e: key } });
const TOKEN = `weft_${'o'.repeat(43)}`;
const RUNS = 12;
let db: Database;
let api: Service;
let runners: Service[] = [];
let apiUrl = '';
let server: OAuth2Server;
let scenarioId = '';
const position = { x: 0, y: 0 };

beforeAll(async () => {
  server = await startOAuth2Server({ redirectUris: [] });
  db = await connectDatabase(target.uri);
  const port = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  const env = { MONGODB_URI: target.uri, WEFT_SECRET_KEYS: `e2e:${key}`, LOG_LEVEL: 'warn' };
  api = startService('api', path.join(root, 'apps/api/dist/main.js'), {
    ...env,
    PORT: String(port),
    HOST: '127.0.0.1',
    WEFT_BOOTSTRAP_TOKEN: TOKEN,
  });
  await waitFor(async () => (await fetch(`${apiUrl}/health`)).ok, 60_000, 'api health');
  // The bootstrap token's workspace: created by the api before it listens.
  const workspace = await db.models.Workspace.findOne().lean<{ _id: ReturnType<typeof toObjectId> }>().exec();
  if (!workspace) throw new Error('the api created no workspace');
  const app = await createApp(db.models, workspace._id, {
    key: 'e2e-crm',
    name: 'CRM',
    signature: { scheme: 'generic' },
  });
  const connection = await createConnection(db.models, keyring, workspace._id, {
    appId: app._id.toHexString(),
    name: 'CRM service account',
    secrets: { clientSecret: CC_CLIENT.secret },
    makeDefault: false,
    oauth2: { grant: 'client_credentials', clientId: CC_CLIENT.id, tokenUrl: server.tokenUrl },
  });
  const scenario = await createScenario(db.models, workspace._id, {
    name: 'CRM contacts',
    draft: {
      nodes: [
        { id: 'start', type: 'trigger.manual', version: 1, config: {}, position },
        {
          id: 'crm',
          type: 'http.request',
          version: 2,
          config: {
            url: `${server.apiUrl}/contacts`,
            connectionId: connection._id.toHexString(),
            auth: { kind: 'oauth2' },
          },
          retry: { maxAttempts: 1 },
          position,
        },
      ],
      edges: [{ id: 'e1', source: 'start', target: 'crm' }],
    },
  });
  scenarioId = scenario._id.toHexString();
  if (!(await publishScenario(db.models, workspace._id, scenarioId)).ok) throw new Error('publish');
  runners = ['a', 'b'].map((name) =>
    startService(`runner-${name}`, path.join(root, 'apps/runner/dist/main.js'), {
      ...env,
      WEFT_RUNNER_NAME: `e2e-oauth2-runner-${name}`,
      WEFT_HTTP_ALLOW_PRIVATE: '127.0.0.1',
      WEFT_RUNNER_METRICS_PORT: '0',
    }),
  );
});

afterAll(async () => {
  await Promise.all([api?.stop(), ...runners.map((r) => r.stop())]);
  await server?.close();
  await db?.connection.dropDatabase();
  await db?.close();
});

/** Starts `count` runs over HTTP at once and waits for all of them to finish. */
async function runTogether(count: number): Promise<RunDoc[]> {
  const runIds = await Promise.all(
    Array.from({ length: count }, async () => {
      const response = await fetch(`${apiUrl}/trigger/${scenarioId}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(response.status).toBe(202);
      return ((await response.json()) as { runId: string }).runId;
    }),
  );
  const finished = async () => {
    const runs = await db.models.Run.find({ _id: { $in: runIds.map((id) => toObjectId(id)) } })
      .lean<RunDoc[]>()
      .exec();
    return runs.every((r) => ['succeeded', 'failed', 'dead', 'cancelled'].includes(r.status)) ? runs : null;
  };
  await waitFor(async () => (await finished()) !== null, 90_000, `${count} runs finishing`);
  return (await finished())!;
}

const grants = () => server.grants.get('client_credentials') ?? 0;

describe('OAuth2 client credentials across two runner processes', () => {
  it('runs started together share one token: one token request', async () => {
    const runs = await runTogether(RUNS);
    expect(runs.map((r) => r.status)).toEqual(Array(RUNS).fill('succeeded'));
    expect(grants()).toBe(1);
    expect(new Set(server.apiCalls).size).toBe(1);
  });

  it('after the server revoked the token, runs that all meet a 401 renew it once', async () => {
    await server.revokeAll();
    const calls = server.apiCalls.length;
    const runs = await runTogether(RUNS);
    expect(runs.map((r) => r.status)).toEqual(Array(RUNS).fill('succeeded'));
    expect(grants()).toBe(2);
    const seen = server.apiCalls.slice(calls);
    // Every run's last call carried the one new token.
    const fresh = new Set(seen.filter((header) => header !== server.apiCalls[0]));
    expect(fresh.size).toBe(1);
  });
});
