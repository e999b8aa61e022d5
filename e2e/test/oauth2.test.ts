import { createApp, createConnection, type RunDoc, toObjectId } from '@weft/db';
import { CC_CLIENT, type OAuth2Server, startOAuth2Server } from '@weft/devdb/oauth2-server';
import { waitFor } from '@weft/devdb/services';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFinal, openStack, seedPublishedScenario } from './harness.js';

/**
 * An OAuth2 client-credentials connection used by two runner processes at once, against a real
 * authorization server: runs started together get one token between them (one token request),
 * and after the server revoked it, the runs that all meet a 401 renew it once between them.
 */

const TOKEN = `weft_${'o'.repeat(43)}`;
const RUNS = 12;
const stack = await openStack('e2e_oauth2');
const { db, apiUrl } = stack;
let server: OAuth2Server;
let scenarioId = '';
const position = { x: 0, y: 0 };

beforeAll(async () => {
  server = await startOAuth2Server({ redirectUris: [] });
  await stack.start({ token: TOKEN, runners: [] });
  // The bootstrap token's workspace: created by the api before it listens.
  const workspace = await db.models.Workspace.findOne().lean<{ _id: ReturnType<typeof toObjectId> }>().exec();
  if (!workspace) throw new Error('the api created no workspace');
  const app = await createApp(db.models, workspace._id, {
    key: 'e2e-crm',
    name: 'CRM',
    signature: { scheme: 'generic' },
  });
  const connection = await createConnection(db.models, stack.keyring, workspace._id, {
    appId: app._id.toHexString(),
    name: 'CRM service account',
    secrets: { clientSecret: CC_CLIENT.secret },
    makeDefault: false,
    oauth2: { grant: 'client_credentials', clientId: CC_CLIENT.id, tokenUrl: server.tokenUrl },
  });
  scenarioId = await seedPublishedScenario(db, workspace._id, {
    name: 'CRM contacts',
    enabled: false,
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
  for (const name of ['a', 'b']) stack.startRunner(`e2e-oauth2-runner-${name}`);
});

afterAll(async () => {
  await stack.stop();
  await server?.close();
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
    return runs.every(isFinal) ? runs : null;
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
