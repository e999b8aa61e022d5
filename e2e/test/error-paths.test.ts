import type { ScenarioEdge, ScenarioNodeInput } from '@weft/core';
import { createWorkspace, type RunDoc, toObjectId } from '@weft/db';
import { waitFor } from '@weft/devdb/services';
import type { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deliverToOneRun,
  openStack,
  seedPublishedScenario,
  seedSignedApp,
  stepOf,
  waitForFinalRun,
} from './harness.js';
import { startSink } from './sink.js';

const SECRET = 'generic-shared-secret-0123456789';
const stack = await openStack('e2e-errors');
const { db } = stack;
let workspaceId: Types.ObjectId;
const sink = await startSink((p) =>
  p.startsWith('/gone')
    ? { status: 404, body: { error: 'no such order' } }
    : { status: 200, body: { ok: true } },
);

const publish = (name: string, nodes: ScenarioNodeInput[], edges: ScenarioEdge[], onFailure?: string) =>
  seedPublishedScenario(db, workspaceId, {
    name,
    draft: { nodes, edges },
    ...(onFailure ? { onFailure } : {}),
  });
const webhookApp = (appKey: string) => seedSignedApp(stack, workspaceId, { key: appKey, secret: SECRET });

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

  await stack.start({ token: `weft_${'f'.repeat(43)}`, runners: ['e2e-errors-runner'] });
});

afterAll(async () => {
  await stack.stop();
  await sink.close();
});

const post = (appKey: string, payload: unknown) => deliverToOneRun(stack, appKey, SECRET, payload);
const finished = (runId: string | Types.ObjectId) => waitForFinalRun(db, runId);

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
