import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { signWebhook } from '@weft/core/hmac';
import { createKeyring, generateSecretKey } from '@weft/core/secrets';
import {
  connectDatabase,
  createApp,
  createConnection,
  createScenario,
  createWorkspace,
  type Database,
  publishScenario,
  type RunDoc,
  setScenarioEnabled,
  toObjectId,
} from '@weft/db';
import { testDatabase } from '@weft/devdb/test-db';
import { freePort, type Service, startService, waitFor } from '@weft/devdb/services';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSink } from './sink.js';

/**
 * Code nodes over the built api and runner processes: a webhook's order is priced by JavaScript
 * in the runner's sandbox and the result sent on; an endless loop fails its run at the time limit
 * while the runner goes on with the next; the api's dry-run runs the same code in its own sandbox.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SECRET = 'code-node-shared-secret-01234567';
const TOKEN = `weft_${'d'.repeat(43)}`;
const target = testDatabase('e2e_code');
const key = generateSecretKey();
const keyring = createKeyring({ current: 'e2e', keys: { e2e: key } });
let db: Database;
let api: Service;
let runner: Service;
let apiUrl = '';
let scenarioId = '';
const sink = await startSink(() => ({ status: 200, body: { ok: true } }));
const position = { x: 0, y: 0 };

const PRICING = [
  'const lines = trigger.body.lines;',
  'if (!Array.isArray(lines)) throw new TypeError("lines must be a list");',
  'if (trigger.body.spin) while (true) {}',
  'const net = lines.reduce((sum, line) => sum + line.price * line.qty, 0);',
  'console.log("priced", lines.length, "lines");',
  'return { order: trigger.body.id, net, gross: Math.round(net * 1.2 * 100) / 100 };',
].join('\n');

beforeAll(async () => {
  db = await connectDatabase(target.uri);
  const workspace = await createWorkspace(db.models, 'e2e code');
  const app = await createApp(db.models, workspace._id, {
    key: 'e2e-code',
    name: 'Shop',
    signature: { scheme: 'generic' },
  });
  await createConnection(db.models, keyring, workspace._id, {
    appId: app._id.toHexString(),
    name: 'Shop',
    secrets: { webhookSecret: SECRET },
  });
  const scenario = await createScenario(db.models, workspace._id, {
    name: 'Price orders',
    draft: {
      nodes: [
        { id: 'hook', type: 'trigger.webhook', version: 1, config: { appId: app._id.toHexString() }, position },
        { id: 'price', type: 'code', version: 1, config: { code: PRICING, timeLimitMs: 200 }, position },
        {
          id: 'notify',
          type: 'http.request',
          version: 2,
          config: { method: 'POST', url: `${sink.url}/priced`, body: '{{ nodes.price }}' },
          position,
        },
      ],
      edges: [
        { id: 'e1', source: 'hook', target: 'price' },
        { id: 'e2', source: 'price', target: 'notify' },
      ],
    },
  });
  scenarioId = scenario._id.toHexString();
  if (!(await publishScenario(db.models, workspace._id, scenarioId)).ok) throw new Error('publish');
  await setScenarioEnabled(db.models, workspace._id, scenarioId, true);

  const port = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  const env = { MONGODB_URI: target.uri, WEFT_SECRET_KEYS: `e2e:${key}`, LOG_LEVEL: 'warn' };
  api = startService('api', path.join(root, 'apps/api/dist/main.js'), {
    ...env,
    PORT: String(port),
    HOST: '127.0.0.1',
    WEFT_BOOTSTRAP_TOKEN: TOKEN,
  });
  runner = startService('runner', path.join(root, 'apps/runner/dist/main.js'), {
    ...env,
    WEFT_RUNNER_NAME: 'e2e-code-runner',
    WEFT_HTTP_ALLOW_PRIVATE: '127.0.0.1',
  });
  await waitFor(async () => (await fetch(`${apiUrl}/health`)).ok, 60_000, 'api health');
});

afterAll(async () => {
  await Promise.all([api?.stop(), runner?.stop()]);
  await sink.close();
  await db?.connection.dropDatabase();
  await db?.close();
});

async function deliver(body: Record<string, unknown>): Promise<string> {
  const raw = JSON.stringify(body);
  const response = await fetch(`${apiUrl}/webhook/e2e-code`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...signWebhook({ config: { scheme: 'generic' }, secret: SECRET, rawBody: Buffer.from(raw) }),
    },
    body: raw,
  });
  expect(response.status).toBe(202);
  const { runIds } = (await response.json()) as { runIds: string[] };
  expect(runIds).toHaveLength(1);
  return runIds[0]!;
}

async function finished(runId: string): Promise<RunDoc> {
  let run: RunDoc | null = null;
  await waitFor(
    async () => {
      run = await db.models.Run.findById(toObjectId(runId)).lean<RunDoc>().exec();
      return run !== null && ['succeeded', 'failed', 'dead', 'cancelled'].includes(run.status);
    },
    60_000,
    `run ${runId} finishing`,
  );
  return run!;
}

const stepOf = (run: RunDoc, nodeId: string) => run.steps.find((s) => s.nodeId === nodeId);

describe('code nodes over the built api and runner', () => {
  it("a webhook's order is priced by the code and the result is sent on", async () => {
    const runId = await deliver({ id: 'o-1', lines: [{ price: 10, qty: 2 }, { price: 2.5, qty: 4 }] });
    const run = await finished(runId);
    expect(run.status).toBe('succeeded');
    expect(stepOf(run, 'price')?.output).toEqual({ order: 'o-1', net: 30, gross: 36 });
    const sent = sink.requests.filter((r) => r.path === '/priced');
    expect(sent.map((r) => JSON.parse(r.body))).toEqual([{ order: 'o-1', net: 30, gross: 36 }]);
    const logs = await db.models.RunLog.find({ runId: toObjectId(runId), nodeId: 'price' }).lean().exec();
    expect(logs.map((l) => l.message)).toContain('priced 2 lines');
  });

  it('an endless loop fails its run at the time limit; the runner goes on with the next order', async () => {
    const spinning = await finished(await deliver({ id: 'o-2', lines: [], spin: true }));
    expect(spinning.status).toBe('failed');
    expect(stepOf(spinning, 'price')).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'code_timeout' } });
    const thrown = await finished(await deliver({ id: 'o-3', lines: 'none' }));
    expect(stepOf(thrown, 'price')?.error).toMatchObject({
      code: 'code_error',
      message: 'node "price", field "code": TypeError: lines must be a list (line 2, column 47)',
      details: { line: 2, column: 47 },
    });
    const next = await finished(await deliver({ id: 'o-4', lines: [{ price: 1, qty: 1 }] }));
    expect(next.status).toBe('succeeded');
    expect(sink.requests.filter((r) => r.path === '/priced').map((r) => JSON.parse(r.body).order)).toEqual(['o-1', 'o-4']);
  });

  it("the api's dry-run runs the same code in its sandbox over HTTP", async () => {
    const response = await fetch(`${apiUrl}/trpc/scenarios.dryRun`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ json: { id: scenarioId, trigger: { body: { id: 'p-1', lines: [{ price: 5, qty: 3 }] } } } }),
    });
    expect(response.status).toBe(200);
    const result = ((await response.json()) as { result: { data: { json: Record<string, unknown> } } }).result.data.json as {
      status: string;
      nodes: { nodeId: string; output: unknown; logs: { message: string }[] }[];
    };
    expect(result.status).toBe('succeeded');
    const price = result.nodes.find((n) => n.nodeId === 'price');
    expect(price?.output).toEqual({ order: 'p-1', net: 15, gross: 18 });
    expect(price?.logs.map((l) => l.message)).toEqual(['priced 1 lines']);
    // Nothing was sent: the HTTP node after it was simulated.
    expect(sink.requests.filter((r) => r.path === '/priced').map((r) => JSON.parse(r.body).order)).not.toContain('p-1');
  });
});
