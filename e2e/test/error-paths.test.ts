import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScenarioEdge, ScenarioNodeInput } from '@weft/core';
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
  saveDraft,
  setScenarioEnabled,
  toObjectId,
} from '@weft/db';
import { testDatabase } from '@weft/devdb/test-db';
import { freePort, type Service, startService, waitFor } from '@weft/devdb/services';
import type { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSink } from './sink.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SECRET = 'generic-shared-secret-0123456789';
const target = testDatabase('e2e-errors');
const key = generateSecretKey();
const keyring = createKeyring({ current: 'e2e', keys: { e2e: key } });
let db: Database;
let api: Service;
let runner: Service;
let apiUrl = '';
let workspaceId: Types.ObjectId;
const sink = await startSink((p) =>
  p.startsWith('/gone')
    ? { status: 404, body: { error: 'no such order' } }
    : { status: 200, body: { ok: true } },
);

async function publish(
  name: string,
  nodes: ScenarioNodeInput[],
  edges: ScenarioEdge[],
  onFailure?: Types.ObjectId,
) {
  const scenario = await createScenario(db.models, workspaceId, { name, draft: { nodes, edges } });
  if (onFailure) {
    const saved = await saveDraft(db.models, workspaceId, scenario._id.toHexString(), {
      revision: scenario.revision,
      draft: { nodes, edges },
      onFailure: onFailure.toHexString(),
    });
    if (!saved.ok) throw new Error(saved.reason);
  }
  const published = await publishScenario(db.models, workspaceId, scenario._id.toHexString());
  if (!published.ok) throw new Error(`publish failed: ${published.reason}`);
  await setScenarioEnabled(db.models, workspaceId, scenario._id.toHexString(), true);
  return scenario._id;
}

async function webhookApp(appKey: string) {
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
  return app._id.toHexString();
}

const hook = (appId: string): ScenarioNodeInput => ({
  id: 'hook',
  type: 'trigger.webhook',
  version: 1,
  config: { appId },
});
const call = (url: string): ScenarioNodeInput => ({
  id: 'call',
  type: 'http.request',
  version: 2,
  config: { method: 'POST', url, body: { order: '{{ trigger.body.order }}' } },
});
const e = (id: string, source: string, target: string, sourceHandle = 'out'): ScenarioEdge => ({
  id,
  source,
  sourceHandle,
  target,
  targetHandle: 'in',
});

beforeAll(async () => {
  db = await connectDatabase(target.uri);
  workspaceId = (await createWorkspace(db.models, 'e2e errors'))._id;

  // Handled: the call's error goes to a switch on the error code, which alerts over HTTP.
  const handledApp = await webhookApp('e2e-handled');
  await publish(
    'handled',
    [
      hook(handledApp),
      call(`${sink.url}/gone/handled`),
      { id: 'after', type: 'http.request', version: 2, config: { method: 'POST', url: `${sink.url}/after` } },
      {
        id: 'route',
        type: 'switch',
        version: 1,
        config: {
          cases: [
            { id: 'client', label: 'Client error', expression: 'input.code = "http_4xx"' },
            { id: 'server', label: 'Server error', expression: 'input.code = "http_5xx"' },
          ],
        },
      },
      {
        id: 'alert',
        type: 'http.request',
        version: 2,
        config: {
          method: 'POST',
          url: `${sink.url}/alerts`,
          body: {
            code: '{{ nodes.call.code }}',
            attempts: '{{ nodes.call.attempts }}',
            order: '{{ trigger.body.order }}',
          },
        },
      },
      { id: 'other', type: 'logger', version: 1, config: { message: 'other error' } },
    ],
    [
      e('e1', 'hook', 'call'),
      e('e2', 'call', 'after'),
      e('e3', 'call', 'route', 'error'),
      e('e4', 'route', 'alert', 'client'),
      e('e5', 'route', 'other', 'default'),
    ],
  );

  // Not handled: the run fails and its scenario's failure handler runs.
  const handler = await publish(
    'failure handler',
    [
      { id: 'start', type: 'trigger.manual', version: 1, config: {} },
      {
        id: 'report',
        type: 'http.request',
        version: 2,
        config: {
          method: 'POST',
          url: `${sink.url}/handler`,
          body: {
            run: '{{ trigger.run.id }}',
            node: '{{ trigger.failedStep.nodeId }}',
            code: '{{ trigger.error.code }}',
          },
        },
      },
    ],
    [e('e1', 'start', 'report')],
  );
  const failingApp = await webhookApp('e2e-failing');
  await publish(
    'failing',
    [hook(failingApp), call(`${sink.url}/gone/failing`)],
    [e('e1', 'hook', 'call')],
    handler,
  );

  const port = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  const env = { MONGODB_URI: target.uri, WEFT_SECRET_KEYS: `e2e:${key}`, LOG_LEVEL: 'warn' };
  api = startService('api', path.join(root, 'apps/api/dist/main.js'), {
    ...env,
    PORT: String(port),
    HOST: '127.0.0.1',
    WEFT_BOOTSTRAP_TOKEN: `weft_${'f'.repeat(43)}`,
  });
  runner = startService('runner', path.join(root, 'apps/runner/dist/main.js'), {
    ...env,
    WEFT_RUNNER_NAME: 'e2e-errors-runner',
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
  const response = await fetch(`${apiUrl}/webhook/${appKey}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...signWebhook({ config: { scheme: 'generic' }, secret: SECRET, rawBody: Buffer.from(body) }),
    },
    body,
  });
  expect(response.status).toBe(202);
  const [runId] = ((await response.json()) as { runIds: string[] }).runIds;
  return runId!;
}

async function finished(runId: string | Types.ObjectId): Promise<RunDoc> {
  let run: RunDoc | null = null;
  await waitFor(
    async () => {
      run = await db.models.Run.findById(toObjectId(runId)).lean<RunDoc>().exec();
      return run !== null && ['succeeded', 'failed', 'dead', 'cancelled'].includes(run.status);
    },
    30_000,
    `run ${String(runId)} finishing`,
  );
  return run!;
}

const stepOf = (run: RunDoc, nodeId: string) => run.steps.find((s) => s.nodeId === nodeId);

describe('error paths and failure handlers over HTTP', () => {
  it('an HTTP step failing against the sink is handled by its error path: the run succeeds', async () => {
    const run = await finished(await post('e2e-handled', { order: 'o-1' }));
    expect(run.status).toBe('succeeded');
    expect(run.error).toBeNull();
    expect(stepOf(run, 'call')).toMatchObject({
      status: 'failed',
      handled: true,
      firedHandles: ['error'],
      output: { code: 'http_4xx', attempts: 1, retryable: false },
    });
    expect(stepOf(run, 'after')?.status).toBe('skipped');
    expect(stepOf(run, 'route')).toMatchObject({ status: 'succeeded', firedHandles: ['client'] });
    expect(stepOf(run, 'other')?.status).toBe('skipped');
    const alerts = sink.requests.filter((r) => r.path === '/alerts');
    expect(alerts.map((r) => JSON.parse(r.body))).toEqual([{ code: 'http_4xx', attempts: 1, order: 'o-1' }]);
    expect(sink.requests.filter((r) => r.path === '/after')).toHaveLength(0);
    expect(sink.requests.filter((r) => r.path === '/gone/handled')).toHaveLength(1);
  });

  it('a run that fails starts its failure handler once, with the failure as input', async () => {
    const failedId = await post('e2e-failing', { order: 'o-2' });
    const failed = await finished(failedId);
    expect(failed.status).toBe('failed');
    let handlerRunId: Types.ObjectId | undefined;
    await waitFor(
      async () => {
        const current = await db.models.Run.findById(toObjectId(failedId)).lean<RunDoc>().exec();
        handlerRunId = current?.failureHandler?.pending === false ? current.failureHandler.runId : undefined;
        return handlerRunId !== undefined;
      },
      30_000,
      'the failure handler run being created',
    );
    const handlerRun = await finished(handlerRunId!);
    expect(handlerRun).toMatchObject({
      status: 'succeeded',
      trigger: { kind: 'failure', failureOf: toObjectId(failedId) },
      correlationId: failed.correlationId,
      input: {
        run: { id: failedId, status: 'failed', triggerKind: 'webhook' },
        failedStep: { nodeId: 'call', nodeType: 'http.request', attempts: 1, error: { code: 'http_4xx' } },
        error: { code: 'http_4xx' },
        trigger: { body: { order: 'o-2' } },
      },
    });
    const reports = sink.requests.filter((r) => r.path === '/handler');
    expect(reports.map((r) => JSON.parse(r.body))).toEqual([
      { run: failedId, node: 'call', code: 'http_4xx' },
    ]);
    expect(await db.models.Run.countDocuments({ 'trigger.failureOf': toObjectId(failedId) })).toBe(1);
  });
});
