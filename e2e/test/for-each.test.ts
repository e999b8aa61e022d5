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

/** A for-each loop end to end: webhooks over HTTP, the built api and runner, a local sink per item. */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SECRET = 'generic-shared-secret-for-loops-01';
const TOKEN = `weft_${'f'.repeat(43)}`;
const target = testDatabase('e2e-for-each');
const key = generateSecretKey();
const keyring = createKeyring({ current: 'e2e', keys: { e2e: key } });
let db: Database;
let api: Service;
let runner: Service;
let apiUrl = '';
const sink = await startSink((p, count) => {
  // One item of the "continue" loop is refused for good; one of the "stop" loop fails only once.
  if (p === '/each/bad') return { status: 404, body: { error: 'no such line' } };
  if (p === '/stop/3' && count === 1) return { status: 422, body: { error: 'try later' } };
  return { status: 200, body: { accepted: p } };
});

async function seedLoopApp(
  workspaceId: ReturnType<typeof toObjectId>,
  appKey: string,
  loop: Record<string, unknown>,
  url: string,
) {
  const app = await createApp(db.models, workspaceId, {
    key: appKey,
    name: appKey,
    signature: { scheme: 'generic' },
  });
  await createConnection(db.models, keyring, workspaceId, {
    appId: app._id.toHexString(),
    name: appKey,
    secrets: { webhookSecret: SECRET },
  });
  const scenario = await createScenario(db.models, workspaceId, {
    name: appKey,
    draft: {
      nodes: [
        { id: 'hook', type: 'trigger.webhook', version: 1, config: { appId: app._id.toHexString() } },
        {
          id: 'loop',
          type: 'loop.forEach',
          version: 1,
          config: { items: '{{ trigger.body.items }}', ...loop },
        },
        {
          id: 'call',
          type: 'http.request',
          version: 2,
          parentId: 'loop',
          config: { method: 'POST', url, body: { line: '{{ item }}', index: '{{ index }}' } },
        },
        {
          id: 'report',
          type: 'logger',
          version: 1,
          config: { message: 'loop done: {{ nodes.loop.failed }} failed' },
        },
      ],
      edges: [
        { id: 'e1', source: 'hook', target: 'loop' },
        { id: 'e2', source: 'loop', sourceHandle: 'body', target: 'call' },
        { id: 'e3', source: 'loop', sourceHandle: 'done', target: 'report' },
      ],
    },
  });
  const published = await publishScenario(db.models, workspaceId, scenario._id.toHexString());
  if (!published.ok) throw new Error(`publish failed: ${published.reason}`);
  await setScenarioEnabled(db.models, workspaceId, scenario._id.toHexString(), true);
}

beforeAll(async () => {
  db = await connectDatabase(target.uri);
  const workspace = await createWorkspace(db.models, 'e2e-loops');
  await seedLoopApp(
    workspace._id,
    'loop-continue',
    { concurrency: 4, onItemError: 'continue' },
    `${sink.url}/each/{{ item }}`,
  );
  await seedLoopApp(
    workspace._id,
    'loop-stop',
    { concurrency: 1, onItemError: 'stop' },
    `${sink.url}/stop/{{ index }}`,
  );

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
    WEFT_RUNNER_NAME: 'e2e-loop-runner',
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

async function post(appKey: string, payload: unknown): Promise<string> {
  const body = JSON.stringify(payload);
  const headers = {
    'content-type': 'application/json',
    ...signWebhook({ config: { scheme: 'generic' }, secret: SECRET, rawBody: Buffer.from(body) }),
  };
  const response = await fetch(`${apiUrl}/webhook/${appKey}`, { method: 'POST', headers, body });
  expect(response.status).toBe(202);
  const [runId] = ((await response.json()) as { runIds: string[] }).runIds;
  return runId!;
}

async function trpc(procedure: string, input: unknown, method: 'GET' | 'POST' = 'POST'): Promise<unknown> {
  const encoded = encodeURIComponent(JSON.stringify({ json: input }));
  const response = await fetch(
    method === 'GET' ? `${apiUrl}/trpc/${procedure}?input=${encoded}` : `${apiUrl}/trpc/${procedure}`,
    {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      ...(method === 'POST' ? { body: JSON.stringify({ json: input }) } : {}),
    },
  );
  const json = (await response.json()) as { result?: { data: { json: unknown } }; error?: unknown };
  if (!response.ok) throw new Error(`${procedure}: ${response.status} ${JSON.stringify(json.error)}`);
  return json.result!.data.json;
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
const callsTo = (prefix: string) => sink.requests.filter((r) => r.path.startsWith(prefix));

describe('a for-each loop over a webhook’s items', () => {
  it('calls the sink once per item, exactly once; a failing item is reported and the loop goes on (continue)', async () => {
    const lines = Array.from({ length: 20 }, (_, i) => (i === 7 ? 'bad' : `line-${i}`));
    const runId = await post('loop-continue', { items: lines });
    const run = await finished(runId);

    expect(run.status).toBe('succeeded');
    const calls = callsTo('/each/');
    expect(calls).toHaveLength(20);
    expect(new Set(calls.map((c) => c.path))).toEqual(new Set(lines.map((line) => `/each/${line}`)));
    const keyOf = new Map(calls.map((c) => [c.path, c.headers['idempotency-key']]));
    for (const [index, line] of lines.entries())
      expect(keyOf.get(`/each/${line}`)).toBe(`${runId}:call:${index}`);
    expect(stepOf(run, 'loop')).toMatchObject({
      status: 'succeeded',
      firedHandles: ['done'],
      output: { succeeded: 19, failed: 1, notStarted: 0 },
    });
    const output = stepOf(run, 'loop')?.output as { items: { index: number; status: string }[] } | undefined;
    const items = output?.items ?? [];
    expect(items.map((i) => i.index)).toEqual(lines.map((_, i) => i));
    expect(items[7]).toMatchObject({ status: 'failed', error: { code: 'http_4xx' } });
    expect(stepOf(run, 'report')?.status).toBe('succeeded');
    const logs = await db.models.RunLog.find({ runId: run._id }).lean().exec();
    expect(logs.filter((l) => l.message === 'loop done: 1 failed')).toHaveLength(1);

    // The item picker's view over the API: every item, and one item's body steps.
    const page = (await trpc('runs.loopItems', { runId, loopId: 'loop' }, 'GET')) as {
      items: { index: number; status: string }[];
      nextFromIndex: number | null;
    };
    expect(page.items.map((i) => i.status)).toEqual(
      lines.map((line) => (line === 'bad' ? 'failed' : 'succeeded')),
    );
    expect(page.nextFromIndex).toBeNull();
    const seventh = (await trpc('runs.loopItem', { runId, loopId: 'loop', index: 7 }, 'GET')) as {
      steps: { nodeId: string; status: string; error: { code: string } | null }[];
    };
    expect(seventh.steps).toMatchObject([{ nodeId: 'call', status: 'failed', error: { code: 'http_4xx' } }]);
  });

  it('stops at the first failed item (stop), and a replay from the failure runs only that item and the rest', async () => {
    const lines = ['a', 'b', 'c', 'd', 'e', 'f'];
    const runId = await post('loop-stop', { items: lines });
    const run = await finished(runId);
    expect(run.status).toBe('failed');
    expect(run.error?.message).toContain('item 3 failed');
    expect(run.error?.message).toContain('onItemError is "stop"');
    expect(callsTo('/stop/').map((c) => c.path)).toEqual(['/stop/0', '/stop/1', '/stop/2', '/stop/3']);
    expect(stepOf(run, 'loop')).toMatchObject({
      status: 'failed',
      output: { succeeded: 3, failed: 1, notStarted: 2 },
    });

    const replay = (await trpc('runs.replay', { id: runId, from: 'failure' })) as { id: string };
    const replayed = await finished(replay.id);
    expect(replayed.status).toBe('succeeded');
    // Items 0–2 kept their outputs; 3 ran again (new run, new key), 4 and 5 for the first time.
    expect(callsTo('/stop/').map((c) => c.path)).toEqual([
      '/stop/0',
      '/stop/1',
      '/stop/2',
      '/stop/3',
      '/stop/3',
      '/stop/4',
      '/stop/5',
    ]);
    expect(
      callsTo('/stop/')
        .slice(4)
        .map((c) => c.headers['idempotency-key']),
    ).toEqual([3, 4, 5].map((index) => `${replay.id}:call:${index}`));
    expect(stepOf(replayed, 'loop')).toMatchObject({
      status: 'succeeded',
      output: { succeeded: 6, failed: 0 },
    });
  });
});
