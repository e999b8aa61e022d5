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
 * An order over 1,000 waits for a manager's approval: the built api and runners as processes,
 * the webhook over HTTP. The waiting run holds no runner, so the runner can be killed while it
 * waits; a resume through runs.resume or the run's resume link wakes it on whichever runner is up,
 * and of resumes racing each other exactly one counts.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SECRET = 'approval-shared-secret-0123456789';
const TOKEN = `weft_${'a'.repeat(43)}`;
const target = testDatabase('e2e_approval');
const key = generateSecretKey();
const keyring = createKeyring({ current: 'e2e', keys: { e2e: key } });
const env = { WEFT_SECRET_KEYS: `e2e:${key}`, LOG_LEVEL: 'warn' };
let db: Database;
let api: Service;
const runners = new Map<string, Service>();
let apiUrl = '';
const sink = await startSink(() => ({ status: 200, body: { ok: true } }));
const position = { x: 0, y: 0 };

function startRunner(name: string): Service {
  const runner = startService(name, path.join(root, 'apps/runner/dist/main.js'), {
    ...env,
    MONGODB_URI: target.uri,
    WEFT_RUNNER_NAME: name,
    WEFT_RUNNER_METRICS_PORT: '0',
    WEFT_HTTP_ALLOW_PRIVATE: '127.0.0.1',
  });
  runners.set(name, runner);
  return runner;
}

beforeAll(async () => {
  db = await connectDatabase(target.uri);
  const workspace = await createWorkspace(db.models, 'e2e approvals');
  const app = await createApp(db.models, workspace._id, {
    key: 'e2e-approvals',
    name: 'Shop',
    signature: { scheme: 'generic' },
  });
  await createConnection(db.models, keyring, workspace._id, {
    appId: app._id.toHexString(),
    name: 'Shop',
    secrets: { webhookSecret: SECRET },
  });
  const orders = await createScenario(db.models, workspace._id, {
    name: 'Big orders',
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
          id: 'big',
          type: 'condition',
          version: 1,
          config: { expression: 'trigger.body.total > 1000' },
          position,
        },
        {
          id: 'approve',
          type: 'wait.approval',
          version: 1,
          config: {
            message: 'Ship order {{ trigger.body.id }} of {{ trigger.body.total }}?',
            timeoutMs: 3_600_000,
          },
          position,
        },
        {
          id: 'decided',
          type: 'http.request',
          version: 2,
          config: {
            method: 'POST',
            url: `${sink.url}/decided`,
            body: { order: '{{ trigger.body.id }}', approval: '{{ nodes.approve }}' },
          },
          position,
        },
        {
          id: 'ship',
          type: 'http.request',
          version: 2,
          config: { method: 'POST', url: `${sink.url}/ship`, body: { order: '{{ trigger.body.id }}' } },
          position,
        },
      ],
      edges: [
        { id: 'e1', source: 'hook', target: 'big' },
        { id: 'e2', source: 'big', sourceHandle: 'true', target: 'approve' },
        { id: 'e3', source: 'approve', target: 'decided' },
        { id: 'e4', source: 'big', sourceHandle: 'false', target: 'ship' },
      ],
    },
  });
  const ordersId = orders._id.toHexString();
  const published = await publishScenario(db.models, workspace._id, ordersId);
  if (!published.ok) throw new Error(`publish: ${JSON.stringify(published)}`);
  await setScenarioEnabled(db.models, workspace._id, ordersId, true);

  const port = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  api = startService('api', path.join(root, 'apps/api/dist/main.js'), {
    ...env,
    MONGODB_URI: target.uri,
    PORT: String(port),
    HOST: '127.0.0.1',
    WEFT_BOOTSTRAP_TOKEN: TOKEN,
  });
  startRunner('e2e-approval-a');
  await waitFor(async () => (await fetch(`${apiUrl}/health`)).ok, 60_000, 'api health');
});

afterAll(async () => {
  await Promise.all([api?.stop(), ...[...runners.values()].map((runner) => runner.stop())]);
  await sink.close();
  await db?.connection.dropDatabase();
  await db?.close();
});

async function deliver(body: Record<string, unknown>): Promise<string> {
  const raw = JSON.stringify(body);
  const response = await fetch(`${apiUrl}/webhook/e2e-approvals`, {
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

const runOf = (runId: string) => db.models.Run.findById(toObjectId(runId)).lean<RunDoc>().exec();
const stepOf = (run: RunDoc | null, nodeId: string) => run?.steps.find((s) => s.nodeId === nodeId);

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
const waiting = (runId: string) =>
  until(
    runId,
    'waiting for approval',
    (run) => run?.status === 'waiting' && stepOf(run, 'approve')?.status === 'waiting',
  );
const finished = (runId: string) =>
  until(runId, 'finishing', (run) =>
    ['succeeded', 'failed', 'dead', 'cancelled'].includes(run?.status ?? ''),
  );

async function trpc(procedure: string, input: unknown, type: 'query' | 'mutation') {
  const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  const response =
    type === 'query'
      ? await fetch(
          `${apiUrl}/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`,
          { headers },
        )
      : await fetch(`${apiUrl}/trpc/${procedure}`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ json: input }),
        });
  // biome-ignore lint/suspicious/noExplicitAny: answers are read field by field
  const body = (await response.json()) as any;
  return { status: response.status, data: body.result?.data?.json, error: body.error?.json };
}

const decidedFor = (order: string) =>
  sink.requests.filter((r) => r.path === '/decided' && JSON.parse(r.body).order === order);

describe('an order over 1,000 waits for a manager’s approval', () => {
  it('a small order ships without asking', async () => {
    const runId = await deliver({ id: 'o-small', total: 20 });
    const run = await finished(runId);
    expect(run.status).toBe('succeeded');
    expect(stepOf(run, 'approve')?.status).toBe('skipped');
    expect(sink.requests.filter((r) => r.path === '/ship')).toHaveLength(1);
  });

  it('the run waits through its runner being killed; runs.resume on the api wakes it on another runner', async () => {
    const runId = await deliver({ id: 'o-1', total: 1_500 });
    const suspended = await waiting(runId);
    expect(suspended.leaseOwner).toBeNull();
    const view = await trpc('runs.get', { id: runId }, 'query');
    expect(view.data.waits).toEqual([
      expect.objectContaining({ nodeId: 'approve', message: 'Ship order o-1 of 1500?', resolution: null }),
    ]);

    const killed = runners.get('e2e-approval-a')!;
    const exited = new Promise((resolve) => killed.child.once('exit', resolve));
    killed.child.kill('SIGKILL');
    await exited;
    runners.delete('e2e-approval-a');
    startRunner('e2e-approval-b');

    const resumed = await trpc(
      'runs.resume',
      { runId, nodeId: 'approve', decision: 'approved', data: { note: 'ok' } },
      'mutation',
    );
    expect(resumed.status).toBe(200);
    expect(resumed.data.resolution).toEqual({
      decision: 'approved',
      by: 'bootstrap',
      data: { note: 'ok' },
      timedOut: false,
    });

    const done = await finished(runId);
    expect(done.status).toBe('succeeded');
    expect(done.leaseOwner).toBeNull();
    expect(stepOf(done, 'approve')).toMatchObject({
      status: 'succeeded',
      output: { decision: 'approved', by: 'bootstrap', data: { note: 'ok' }, timedOut: false },
    });
    expect(decidedFor('o-1').map((r) => JSON.parse(r.body).approval)).toEqual([
      { decision: 'approved', by: 'bootstrap', data: { note: 'ok' }, timedOut: false },
    ]);

    const again = await trpc('runs.resume', { runId, nodeId: 'approve', decision: 'rejected' }, 'mutation');
    expect(again.status).toBe(409);
    expect(again.error.message).toBe(
      `run ${runId} has already finished (succeeded); there is nothing to resume`,
    );
  });

  it('of resumes racing through the link and the api, on two runners, exactly one resumes the run', async () => {
    startRunner('e2e-approval-c');
    const runId = await deliver({ id: 'o-2', total: 2_500 });
    await waiting(runId);
    const resumePath = (await trpc('runs.get', { id: runId }, 'query')).data.waits[0].resumePath as string;
    expect(resumePath).toMatch(/^\/resume\//);
    const page = await fetch(`${apiUrl}${resumePath}`);
    expect(await page.text()).toContain('Ship order o-2 of 2500?');

    const viaLink = (decision: string) =>
      fetch(`${apiUrl}${resumePath}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ decision }),
      }).then((response) => response.status);
    const viaApi = (decision: string) =>
      trpc('runs.resume', { runId, nodeId: 'approve', decision }, 'mutation').then((answer) => answer.status);
    const statuses = await Promise.all([
      viaLink('rejected'),
      viaApi('approved'),
      viaLink('approved'),
      viaApi('rejected'),
    ]);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(3);

    const done = await finished(runId);
    expect(done.status).toBe('succeeded');
    // Claimed once to reach the wait, once to go on: the resume ran the rest of the run once.
    expect(done.claims).toBe(2);
    const decided = decidedFor('o-2');
    expect(decided).toHaveLength(1);
    expect(JSON.parse(decided[0]!.body).approval).toEqual(stepOf(done, 'approve')?.output);
    expect(decided[0]!.headers['idempotency-key']).toBe(`${runId}:decided`);
  });
});
