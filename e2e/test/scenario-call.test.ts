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
 * A webhook's scenario calls a "sync customer" scenario and waits for it: the built api and
 * runner as processes, the webhook over HTTP, a local sink as the CRM and as the notified
 * service. The parent suspends, the child calls the CRM, the parent is resumed with the child's
 * output and sends it on; a failing child fails the parent's call step.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SECRET = 'scenario-call-shared-secret-0123';
const target = testDatabase('e2e_call');
const key = generateSecretKey();
const keyring = createKeyring({ current: 'e2e', keys: { e2e: key } });
let db: Database;
let api: Service;
let runner: Service;
let apiUrl = '';
const sink = await startSink((p) => {
  if (p === '/crm/customers/unknown') return { status: 404, body: { error: 'no such customer' } };
  if (p.startsWith('/crm/customers/'))
    return { status: 200, body: { id: p.split('/').at(-1), tier: 'gold' } };
  return { status: 200, body: { ok: true } };
});
const position = { x: 0, y: 0 };

beforeAll(async () => {
  db = await connectDatabase(target.uri);
  const workspace = await createWorkspace(db.models, 'e2e calls');
  const app = await createApp(db.models, workspace._id, {
    key: 'e2e-calls',
    name: 'Shop',
    signature: { scheme: 'generic' },
  });
  await createConnection(db.models, keyring, workspace._id, {
    appId: app._id.toHexString(),
    name: 'Shop',
    secrets: { webhookSecret: SECRET },
  });
  const sync = await createScenario(db.models, workspace._id, {
    name: 'Sync customer',
    draft: {
      nodes: [
        { id: 'start', type: 'trigger.manual', version: 1, config: {}, position },
        {
          id: 'fetch',
          type: 'http.request',
          version: 2,
          config: { method: 'GET', url: `${sink.url}/crm/customers/{{ trigger.customerId }}` },
          retry: { maxAttempts: 1 },
          position,
        },
        {
          id: 'result',
          type: 'transform',
          version: 1,
          config: { expression: '{ "customerId": trigger.customerId, "tier": nodes.fetch.body.tier }' },
          position,
        },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'fetch' },
        { id: 'e2', source: 'fetch', target: 'result' },
      ],
    },
  });
  if (!(await publishScenario(db.models, workspace._id, sync._id.toHexString())).ok)
    throw new Error('publish sync');
  const orders = await createScenario(db.models, workspace._id, {
    name: 'Orders',
    draft: {
      nodes: [
        {
          id: 'hook',
          type: 'trigger.webhook',
          version: 1,
          config: { appId: app._id.toHexString() },
          position,
        },
        {
          id: 'sync',
          type: 'scenario.call',
          version: 1,
          config: {
            scenarioId: sync._id.toHexString(),
            input: { customerId: '{{ trigger.body.customer }}' },
          },
          position,
        },
        {
          id: 'notify',
          type: 'http.request',
          version: 2,
          config: { method: 'POST', url: `${sink.url}/notify`, body: '{{ nodes.sync.output.result }}' },
          position,
        },
      ],
      edges: [
        { id: 'e1', source: 'hook', target: 'sync' },
        { id: 'e2', source: 'sync', target: 'notify' },
      ],
    },
  });
  const ordersId = orders._id.toHexString();
  if (!(await publishScenario(db.models, workspace._id, ordersId)).ok) throw new Error('publish orders');
  await setScenarioEnabled(db.models, workspace._id, ordersId, true);

  const port = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  const env = { MONGODB_URI: target.uri, WEFT_SECRET_KEYS: `e2e:${key}`, LOG_LEVEL: 'warn' };
  api = startService('api', path.join(root, 'apps/api/dist/main.js'), {
    ...env,
    PORT: String(port),
    HOST: '127.0.0.1',
    WEFT_BOOTSTRAP_TOKEN: `weft_${'c'.repeat(43)}`,
  });
  runner = startService('runner', path.join(root, 'apps/runner/dist/main.js'), {
    ...env,
    WEFT_RUNNER_NAME: 'e2e-call-runner',
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
  const response = await fetch(`${apiUrl}/webhook/e2e-calls`, {
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

const childrenOf = (runId: string) =>
  db.models.Run.find({ 'parent.runId': toObjectId(runId) })
    .lean<RunDoc[]>()
    .exec();
const stepOf = (run: RunDoc, nodeId: string) => run.steps.find((s) => s.nodeId === nodeId);

describe('a webhook scenario calls another scenario and waits for it', () => {
  it('the child calls the CRM, the parent is resumed with its output and sends it on', async () => {
    const runId = await deliver({ id: 'evt-1', customer: 'c-7' });
    const parent = await finished(runId);
    expect(parent.status).toBe('succeeded');
    const children = await childrenOf(runId);
    expect(children).toHaveLength(1);
    const child = children[0]!;
    expect(child).toMatchObject({
      status: 'succeeded',
      trigger: { kind: 'call' },
      input: { customerId: 'c-7' },
    });
    expect(child.parent).toMatchObject({ nodeId: 'sync', wait: true });
    expect(child.parent?.runId.toHexString()).toBe(runId);
    // Suspended while the child ran, claimed again for its outcome.
    expect(parent.claims).toBe(2);
    expect(stepOf(parent, 'sync')).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      output: {
        runId: child._id.toHexString(),
        status: 'succeeded',
        output: { result: { customerId: 'c-7', tier: 'gold' } },
      },
    });
    expect(sink.requests.filter((r) => r.path === '/crm/customers/c-7')).toHaveLength(1);
    const notified = sink.requests.filter((r) => r.path === '/notify');
    expect(notified.map((r) => JSON.parse(r.body))).toEqual([{ customerId: 'c-7', tier: 'gold' }]);
    expect(notified[0]!.headers['idempotency-key']).toBe(`${runId}:notify`);

    // The api links both ways.
    const token = `weft_${'c'.repeat(43)}`;
    const get = async (id: string) => {
      const url = `${apiUrl}/trpc/runs.get?input=${encodeURIComponent(JSON.stringify({ json: { id } }))}`;
      const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      return ((await response.json()) as { result: { data: { json: Record<string, unknown> } } }).result.data
        .json;
    };
    expect((await get(runId)).children).toEqual([
      expect.objectContaining({ runId: child._id.toHexString(), nodeId: 'sync', status: 'succeeded' }),
    ]);
    expect((await get(child._id.toHexString())).parent).toMatchObject({ runId, nodeId: 'sync' });
  });

  it("a failing child is the call step's error: the parent fails and does not notify", async () => {
    const before = sink.requests.filter((r) => r.path === '/notify').length;
    const runId = await deliver({ id: 'evt-2', customer: 'unknown' });
    const parent = await finished(runId);
    expect(parent.status).toBe('failed');
    const [child] = await childrenOf(runId);
    expect(child?.status).toBe('failed');
    expect(child?.error?.code).toBe('http_4xx');
    expect(stepOf(parent, 'sync')?.error).toMatchObject({
      code: 'http_4xx',
      details: { childRunId: child!._id.toHexString(), childStatus: 'failed' },
    });
    expect(parent.error).toMatchObject({ code: 'http_4xx', details: { nodeId: 'sync' } });
    expect(sink.requests.filter((r) => r.path === '/notify')).toHaveLength(before);
  });
});
