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
 * An order ships once its payment arrives: the shop's order webhook starts a run that waits for a
 * webhook of the payment provider carrying the order's id with status "paid". The built api and
 * runner as processes, both webhooks over HTTP. A payment that arrives just before the wait begins
 * is not lost; another order's payment, or this order's pending one, does not resume it.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHOP_SECRET = 'event-shop-secret-0123456789abcd';
const PAY_SECRET = 'event-pay-secret-0123456789abcde';
const target = testDatabase('e2e_event_wait');
const key = generateSecretKey();
const keyring = createKeyring({ current: 'e2e', keys: { e2e: key } });
let db: Database;
let api: Service;
let runner: Service;
let apiUrl = '';
const sink = await startSink(() => ({ status: 200, body: { ok: true } }));
const position = { x: 0, y: 0 };

beforeAll(async () => {
  db = await connectDatabase(target.uri);
  const workspace = await createWorkspace(db.models, 'e2e events');
  const shop = await createApp(db.models, workspace._id, {
    key: 'e2e-shop',
    name: 'Shop',
    signature: { scheme: 'generic' },
  });
  const payments = await createApp(db.models, workspace._id, {
    key: 'e2e-payments',
    name: 'Payments',
    signature: { scheme: 'generic' },
  });
  for (const [app, secret] of [
    [shop, SHOP_SECRET],
    [payments, PAY_SECRET],
  ] as const) {
    await createConnection(db.models, keyring, workspace._id, {
      appId: app._id.toHexString(),
      name: app.name,
      secrets: { webhookSecret: secret },
    });
  }
  const orders = await createScenario(db.models, workspace._id, {
    name: 'Ship when paid',
    draft: {
      nodes: [
        {
          id: 'hook',
          type: 'trigger.webhook',
          version: 1,
          config: { appId: shop._id.toHexString() },
          position,
        },
        {
          id: 'paid',
          type: 'wait.event',
          version: 1,
          config: {
            appId: payments._id.toHexString(),
            correlationKey: '{{ trigger.body.id }}',
            deliveryKey: 'body.order',
            match: 'delivery.body.status = "paid"',
            timeoutMs: 3_600_000,
            lookBackMs: 60_000,
          },
          position,
        },
        {
          id: 'ship',
          type: 'http.request',
          version: 2,
          config: {
            method: 'POST',
            url: `${sink.url}/ship`,
            body: { order: '{{ trigger.body.id }}', payment: '{{ nodes.paid.event.body.payment }}' },
          },
          position,
        },
      ],
      edges: [
        { id: 'e1', source: 'hook', target: 'paid' },
        { id: 'e2', source: 'paid', target: 'ship' },
      ],
    },
  });
  const ordersId = orders._id.toHexString();
  const published = await publishScenario(db.models, workspace._id, ordersId);
  if (!published.ok) throw new Error(`publish: ${JSON.stringify(published)}`);
  await setScenarioEnabled(db.models, workspace._id, ordersId, true);

  const port = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  const env = { MONGODB_URI: target.uri, WEFT_SECRET_KEYS: `e2e:${key}`, LOG_LEVEL: 'warn' };
  api = startService('api', path.join(root, 'apps/api/dist/main.js'), {
    ...env,
    PORT: String(port),
    HOST: '127.0.0.1',
    WEFT_BOOTSTRAP_TOKEN: `weft_${'e'.repeat(43)}`,
  });
  runner = startService('runner', path.join(root, 'apps/runner/dist/main.js'), {
    ...env,
    WEFT_RUNNER_NAME: 'e2e-event-runner',
    WEFT_RUNNER_METRICS_PORT: '0',
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

async function post(appKey: string, secret: string, body: Record<string, unknown>): Promise<string[]> {
  const raw = JSON.stringify(body);
  const response = await fetch(`${apiUrl}/webhook/${appKey}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...signWebhook({ config: { scheme: 'generic' }, secret, rawBody: Buffer.from(raw) }),
    },
    body: raw,
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { runIds: string[] }).runIds;
}
const order = async (id: string) => {
  const runIds = await post('e2e-shop', SHOP_SECRET, { id });
  expect(runIds).toHaveLength(1);
  return runIds[0]!;
};
const payment = (body: Record<string, unknown>) => post('e2e-payments', PAY_SECRET, body);

const runOf = (runId: string) => db.models.Run.findById(toObjectId(runId)).lean<RunDoc>().exec();
async function until(runId: string, what: string, check: (run: RunDoc | null) => boolean): Promise<RunDoc> {
  let run: RunDoc | null = null;
  await waitFor(
    async () => {
      run = await runOf(runId);
      return check(run);
    },
    60_000,
    `run ${runId} ${what}`,
  );
  return run!;
}
const stepOf = (run: RunDoc | null, nodeId: string) => run?.steps.find((s) => s.nodeId === nodeId);
const shipped = (id: string) =>
  sink.requests.filter((r) => r.path === '/ship' && JSON.parse(r.body).order === id);

describe('an order ships once its payment arrives', () => {
  it('waits through another order’s payment and its own pending one, and goes on with the paid one', async () => {
    const runId = await order('o-1');
    await until(
      runId,
      'waiting',
      (run) => run?.status === 'waiting' && stepOf(run, 'paid')?.status === 'waiting',
    );
    expect(await payment({ order: 'o-other', status: 'paid', payment: 'p-0' })).toEqual([]);
    expect(await payment({ order: 'o-1', status: 'pending', payment: 'p-1' })).toEqual([]);
    // Woken by the pending payment, it looked and waits again.
    await until(runId, 'waiting again', (run) => run?.status === 'waiting' && (run.claims ?? 0) >= 2);
    expect(shipped('o-1')).toEqual([]);

    await payment({ order: 'o-1', status: 'paid', payment: 'p-2' });
    const done = await until(runId, 'finishing', (run) => run?.status === 'succeeded');
    expect(stepOf(done, 'paid')?.output).toMatchObject({
      timedOut: false,
      event: { body: { order: 'o-1', status: 'paid', payment: 'p-2' } },
    });
    expect(shipped('o-1').map((r) => JSON.parse(r.body))).toEqual([{ order: 'o-1', payment: 'p-2' }]);
  });

  it('a payment that arrived just before the order’s run began is not lost', async () => {
    await payment({ order: 'o-2', status: 'paid', payment: 'p-3' });
    const runId = await order('o-2');
    const done = await until(runId, 'finishing', (run) => run?.status === 'succeeded');
    expect(stepOf(done, 'paid')?.output).toMatchObject({
      timedOut: false,
      event: { body: { payment: 'p-3' } },
    });
    expect(shipped('o-2')).toHaveLength(1);
  });
});
