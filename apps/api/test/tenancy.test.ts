import { createApiToken, createWorkspace, toObjectId } from '@weft/db';
import { beforeAll, describe, expect, it } from 'vitest';
import { BulkWorker, DEFAULT_BULK_WORKER_OPTIONS } from '../src/bulk/worker.js';
import { finishedRun, manualGraph, publishedManualScenario, rejection } from './fixtures.js';
import { type Caller, callerFor, createSignedApp, postSigned, useApi, webhookScenario } from './harness.js';

/**
 * Workspace B owns one object of every kind; a token of workspace A (the harness's) gets
 * NOT_FOUND for each of them, whatever it tries, and never sees them in a list.
 */
const h = useApi();

const b = {} as {
  caller: Caller;
  tokenId: string;
  appId: string;
  connectionId: string;
  scenarioId: string;
  webhookScenarioId: string;
  runId: string;
  deliveryId: string;
};

beforeAll(async () => {
  const workspace = await createWorkspace(h.db.models, 'Workspace B');
  const { token, doc } = await createApiToken(h.db.models, workspace._id, 'b');
  await createApiToken(h.db.models, workspace._id, 'b2');
  b.caller = callerFor(h.deps, token);
  b.tokenId = doc._id.toHexString();
  const app = await createSignedApp({ ...h, caller: b.caller }, { scheme: 'github' });
  b.appId = app.id;
  b.connectionId = (await b.caller.apps.get({ id: app.id })).defaultConnectionId!;
  b.webhookScenarioId = await webhookScenario({ ...h, caller: b.caller }, app.id);
  const posted = await postSigned(h, app, '{"from":"b"}');
  expect(posted.status).toBe(202);
  b.deliveryId = (await b.caller.deliveries.list({})).items[0]!.id;
  const { scenario } = await publishedManualScenario(b.caller, 'B manual');
  b.scenarioId = scenario.id;
  b.runId = await finishedRun(h, scenario);
});

async function notFound(call: Promise<unknown>) {
  const error = await rejection(call);
  expect({ code: error.code, message: error.message }).toEqual({
    code: 'NOT_FOUND',
    message: expect.stringMatching(/in this workspace|no version/),
  });
}

describe('a token of workspace A and the objects of workspace B', () => {
  it('tokens: revoke is NOT_FOUND, list shows none of B', async () => {
    await notFound(h.caller.tokens.revoke({ id: b.tokenId }));
    expect((await h.caller.tokens.list()).map((t) => t.id)).not.toContain(b.tokenId);
  });

  it('apps: get, update, delete are NOT_FOUND; list shows none of B', async () => {
    await notFound(h.caller.apps.get({ id: b.appId }));
    await notFound(h.caller.apps.update({ id: b.appId, name: 'stolen' }));
    await notFound(h.caller.apps.delete({ id: b.appId }));
    expect((await h.caller.apps.list()).map((a) => a.id)).not.toContain(b.appId);
    // A's app cannot take B's connection as its default either.
    const mine = await h.caller.apps.create({
      key: `a-app-${Date.now()}`,
      name: 'A',
      signature: { scheme: 'github' },
    });
    await notFound(h.caller.apps.update({ id: mine.id, defaultConnectionId: b.connectionId }));
  });

  it('connections: get, create for B’s app, update, setSecrets, test, disable, enable are NOT_FOUND', async () => {
    await notFound(h.caller.connections.get({ id: b.connectionId }));
    await notFound(
      h.caller.connections.create({
        appId: b.appId,
        name: 'x',
        secrets: { webhookSecret: 'stolen-secret-0001' },
      }),
    );
    await notFound(h.caller.connections.update({ id: b.connectionId, name: 'x' }));
    await notFound(
      h.caller.connections.setSecrets({
        id: b.connectionId,
        secrets: { webhookSecret: 'stolen-secret-0002' },
      }),
    );
    await notFound(h.caller.connections.test({ id: b.connectionId }));
    await notFound(h.caller.connections.disable({ id: b.connectionId }));
    await notFound(h.caller.connections.enable({ id: b.connectionId }));
    expect(await h.caller.connections.list({ appId: b.appId })).toEqual([]);
    expect((await h.caller.connections.list()).map((c) => c.id)).not.toContain(b.connectionId);
    expect((await b.caller.connections.get({ id: b.connectionId })).status).toBe('active');
  });

  it('scenarios: every read, write, preview and delete is NOT_FOUND; lists show none of B', async () => {
    const id = b.scenarioId;
    await notFound(h.caller.scenarios.get({ id }));
    await notFound(h.caller.scenarios.updateDraft({ id, revision: 0, draft: manualGraph }));
    await notFound(h.caller.scenarios.validate({ id }));
    await notFound(h.caller.scenarios.publish({ id }));
    await notFound(h.caller.scenarios.versions({ id }));
    await notFound(h.caller.scenarios.version({ id, version: 1 }));
    await notFound(h.caller.scenarios.diff({ id }));
    await notFound(h.caller.scenarios.setEnabled({ id, enabled: true }));
    await notFound(h.caller.scenarios.duplicate({ id }));
    await notFound(h.caller.scenarios.dryRun({ id, trigger: { n: 1 } }));
    await notFound(h.caller.scenarios.delete({ id }));
    const listed = await h.caller.scenarios.list({ limit: 200 });
    expect(listed.items.map((s) => s.id)).not.toContain(id);
    expect((await h.caller.scenarios.list({ appId: b.appId })).items).toEqual([]);
    // A's own scenario cannot preview B's delivery.
    const mine = await h.caller.scenarios.create({ name: 'A preview', draft: manualGraph });
    await notFound(h.caller.scenarios.dryRun({ id: mine.id, deliveryId: b.deliveryId }));
    expect((await b.caller.scenarios.get({ id })).version).toBe(1);
  });

  it('runs: get, logs, replay, cancel and subscribe are NOT_FOUND; lists show none of B', async () => {
    await notFound(h.caller.runs.get({ id: b.runId }));
    await notFound(h.caller.runs.logs({ runId: b.runId }));
    await notFound(h.caller.runs.httpPages({ runId: b.runId, nodeId: 'start' }));
    await notFound(h.caller.runs.replay({ id: b.runId }));
    await notFound(h.caller.runs.replay({ id: b.runId, from: 'failure' }));
    await notFound(h.caller.runs.cancel({ id: b.runId }));
    await notFound(h.caller.runs.onChange({ runId: b.runId }));
    await notFound(h.caller.runs.onChange({ scenarioId: b.scenarioId }));
    expect((await h.caller.runs.list({ scenarioId: b.scenarioId })).items).toEqual([]);
    expect((await h.caller.runs.list({ limit: 200 })).items.map((r) => r.id)).not.toContain(b.runId);
    expect((await b.caller.runs.get({ id: b.runId })).status).toBe('failed');
  });

  it('runs: a workspace-wide subscription of A hears nothing of B’s runs', async () => {
    const controller = new AbortController();
    const watching = callerFor(h.deps, h.token, controller.signal);
    const events = await watching.runs.onChange();
    const iterator = events[Symbol.asyncIterator]();
    // B's run changes, then A's marker run changes: A's first event must be its own marker.
    await b.caller.runs.replay({ id: b.runId });
    const { scenario } = await publishedManualScenario(h.caller, 'A marker');
    const marker = await finishedRun(h, scenario, { second: 'succeeded' });
    for (;;) {
      const next = await iterator.next();
      if (next.done) throw new Error('the subscription ended early');
      expect(next.value.scenarioId).toBe(scenario.id);
      if (next.value.runId === marker && next.value.status === 'succeeded') break;
    }
    controller.abort();
  });

  it('deliveries: get and redeliver are NOT_FOUND; lists show none of B', async () => {
    await notFound(h.caller.deliveries.get({ id: b.deliveryId }));
    await notFound(h.caller.deliveries.redeliver({ id: b.deliveryId }));
    expect((await h.caller.deliveries.list({ appId: b.appId })).items).toEqual([]);
    expect((await h.caller.deliveries.list({ limit: 200 })).items.map((d) => d.id)).not.toContain(
      b.deliveryId,
    );
    expect((await b.caller.deliveries.get({ id: b.deliveryId })).runs).toHaveLength(1);
  });

  it('bulk jobs: B’s are NOT_FOUND and unlisted; A’s filters cannot name B’s objects, and A’s job selects none of B’s runs', async () => {
    const job = await b.caller.runs.bulkReplay({ filter: { scenarioId: b.scenarioId } });
    await b.caller.bulkJobs.cancel({ id: job.id });
    await notFound(h.caller.bulkJobs.get({ id: job.id }));
    await notFound(h.caller.bulkJobs.cancel({ id: job.id }));
    expect((await h.caller.bulkJobs.list({})).items.map((j) => j.id)).not.toContain(job.id);
    await notFound(h.caller.runs.bulkReplay({ filter: { scenarioId: b.scenarioId } }));
    await notFound(h.caller.deliveries.bulkRedeliver({ filter: { appId: b.appId } }));
    const replaysOfB = () => h.db.models.Run.countDocuments({ 'trigger.replayOf': toObjectId(b.runId) }).exec();
    const before = await replaysOfB();
    const mine = await h.caller.runs.bulkReplay({ filter: {} });
    await new BulkWorker(h.deps, { ...DEFAULT_BULK_WORKER_OPTIONS, owner: 'tenancy' }).drain();
    expect((await h.caller.bulkJobs.get({ id: mine.id })).status).toBe('done');
    expect(await replaysOfB()).toBe(before);
  });

  it('B’s objects are untouched after all of it', async () => {
    expect((await b.caller.apps.get({ id: b.appId })).name).toMatch(/^App /);
    expect((await b.caller.scenarios.get({ id: b.webhookScenarioId })).enabled).toBe(true);
    expect((await b.caller.tokens.list()).every((t) => t.revokedAt === null)).toBe(true);
  });
});
