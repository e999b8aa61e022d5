import { createApiToken, createWorkspace, newObjectId } from '@weft/db';
import { describe, expect, it } from 'vitest';
import { manualGraph, rejection } from './fixtures.js';
import { type Caller, callerFor, uniqueKey, useApi } from './harness.js';

const h = useApi();

/** A workspace of its own per test, so lists and names never meet. */
async function workspace(name: string): Promise<Caller> {
  const created = await createWorkspace(h.db.models, name);
  return callerFor(h.deps, (await createApiToken(h.db.models, created._id, 'files')).token);
}

/** An app `key` with a connection "Production" holding a bearer token. */
async function appWithConnection(caller: Caller, key: string) {
  const app = await caller.apps.create({ key, name: `App ${key}`, signature: { scheme: 'generic' } });
  const connection = await caller.connections.create({
    appId: app.id,
    name: 'Production',
    secrets: { webhookSecret: 'generic-shared-secret-0123456789', token: 'tok_very_secret_value' },
  });
  return { app, connection };
}

function mainGraph(ids: { appId: string; connectionId: string; calleeId: string }) {
  return {
    nodes: [
      {
        id: 'hook',
        type: 'trigger.webhook',
        version: 1,
        config: { appId: ids.appId },
        position: { x: 0, y: 0 },
      },
      {
        id: 'post',
        type: 'http.request',
        version: 2,
        config: {
          method: 'POST',
          url: 'https://erp.example.com/orders',
          auth: { kind: 'bearer', secretKey: 'token' },
          connectionId: ids.connectionId,
        },
        position: { x: 200, y: 0 },
      },
      {
        id: 'call',
        type: 'scenario.call',
        version: 1,
        config: { scenarioId: ids.calleeId, input: { n: 1 } },
        position: { x: 400, y: 0 },
      },
    ],
    edges: [
      { id: 'e1', source: 'hook', target: 'post' },
      { id: 'e2', source: 'post', target: 'call' },
    ],
  };
}

/** Workspace with an app, its connection, a callee, a failure handler and a scenario using all of them. */
async function sourceWorkspace(key: string) {
  const caller = await workspace('Source');
  const { app, connection } = await appWithConnection(caller, key);
  const callee = await caller.scenarios.create({ name: 'Double', draft: manualGraph });
  const handler = await caller.scenarios.create({ name: 'Alert', draft: manualGraph });
  const main = await caller.scenarios.create({
    name: 'Order sync',
    description: 'Forwards orders',
    draft: mainGraph({ appId: app.id, connectionId: connection.id, calleeId: callee.id }),
  });
  await caller.scenarios.setOnFailure({ id: main.id, onFailure: handler.id });
  return { caller, app, connection, callee, handler, main };
}

describe('scenarios.export', () => {
  it('writes every live scenario as a file naming apps, connections and scenarios by key, with no id or secret', async () => {
    const key = uniqueKey('shop');
    const { caller } = await sourceWorkspace(key);
    const { files } = await caller.scenarios.export({});
    expect(files.map((f) => f.path)).toEqual(['double.json', 'alert.json', 'order-sync.json']);
    const main = files.find((f) => f.path === 'order-sync.json')?.scenario;
    expect(main).toMatchObject({
      formatVersion: 1,
      name: 'Order sync',
      description: 'Forwards orders',
      onFailure: { $scenario: 'Alert' },
    });
    const config = Object.fromEntries((main?.nodes ?? []).map((n) => [n.id, n.config]));
    expect(config.hook?.appId).toEqual({ $app: key });
    expect(config.post?.connectionId).toEqual({ $connection: { app: key, name: 'Production' } });
    expect(config.call?.scenarioId).toEqual({ $scenario: 'Double' });
    const text = JSON.stringify(files);
    expect(text).not.toMatch(/[0-9a-f]{24}/);
    expect(text).not.toContain('tok_very_secret_value');
  });

  it('refuses a draft whose reference points nowhere, naming scenario, node and field', async () => {
    const caller = await workspace('Dangling');
    const gone = newObjectId().toHexString();
    await caller.scenarios.create({
      name: 'Dangling',
      draft: {
        nodes: [
          {
            id: 'hook',
            type: 'trigger.webhook',
            version: 1,
            config: { appId: gone },
            position: { x: 0, y: 0 },
          },
        ],
        edges: [],
      },
    });
    const error = await rejection(caller.scenarios.export({}));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toBe(
      `cannot export: 1 reference would not resolve: scenario "Dangling": node "hook" (trigger.webhook) field "appId": no app with the id "${gone}" in this workspace`,
    );
  });
});

describe('scenarios.import', () => {
  it('plans, then creates and publishes in another workspace, resolving keys to that workspace’s ids', async () => {
    const key = uniqueKey('shop');
    const { caller: source, app: sourceApp, main: sourceMain } = await sourceWorkspace(key);
    const { files } = await source.scenarios.export({});
    // App keys are global (they are in the webhook URL): the target takes the key over, as another Weft would have it.
    await source.scenarios.delete({ id: sourceMain.id });
    await source.apps.delete({ id: sourceApp.id });
    const target = await workspace('Target');
    const { app, connection } = await appWithConnection(target, key);
    const payload = files.map((f) => ({ path: f.path, content: f.scenario }));

    const plan = await target.scenarios.import({ files: payload, dryRun: true });
    expect(plan.problems).toEqual([]);
    expect(plan.applied).toBe(false);
    expect(plan.scenarios.map((s) => [s.path, s.action, s.scenarioId])).toEqual([
      ['double.json', 'create', null],
      ['alert.json', 'create', null],
      ['order-sync.json', 'create', null],
    ]);
    expect(plan.scenarios[2]?.diff.nodes.added).toEqual(['hook', 'post', 'call']);
    expect((await target.scenarios.list({})).items).toEqual([]);

    const applied = await target.scenarios.import({ files: payload, dryRun: false, publish: true });
    expect(applied.problems).toEqual([]);
    expect(applied.applied).toBe(true);
    // Callee and handler are published before the scenario that needs them published.
    expect(applied.published.map((p) => [p.name, p.version])).toEqual([
      ['Double', 1],
      ['Alert', 1],
      ['Order sync', 1],
    ]);
    const ids = Object.fromEntries(applied.scenarios.map((s) => [s.name, s.scenarioId]));
    const main = await target.scenarios.get({ id: ids['Order sync'] as string });
    const config = Object.fromEntries(main.draft.nodes.map((n) => [n.id, n.config]));
    expect(config.hook?.appId).toBe(app.id);
    expect(config.post?.connectionId).toBe(connection.id);
    expect(config.call?.scenarioId).toBe(ids.Double);
    expect(main).toMatchObject({ onFailure: ids.Alert, description: 'Forwards orders', version: 1 });

    const again = await target.scenarios.import({ files: payload, dryRun: false, publish: true });
    expect(again.scenarios.map((s) => s.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(again.published).toEqual([]);
    expect((await target.scenarios.get({ id: main.id })).revision).toBe(main.revision);
  });

  it('shows an edited file as an update with the draft diff and saves it as a new revision', async () => {
    const { caller, main } = await sourceWorkspace(uniqueKey('shop'));
    const { files } = await caller.scenarios.export({ ids: [main.id] });
    const file = structuredClone(files[0]?.scenario) as {
      nodes: { id: string; config: Record<string, unknown> }[];
    };
    const post = file.nodes.find((n) => n.id === 'post');
    if (post) post.config.url = 'https://erp.example.com/v2/orders';
    const before = await caller.scenarios.get({ id: main.id });

    const plan = await caller.scenarios.import({
      files: [{ path: 'order-sync.json', content: file }],
      dryRun: true,
    });
    expect(plan.scenarios).toEqual([
      {
        path: 'order-sync.json',
        name: 'Order sync',
        action: 'update',
        scenarioId: main.id,
        diff: {
          nodes: { added: [], removed: [], changed: [{ nodeId: 'post', fields: ['config'] }], moved: [] },
          edges: { added: [], removed: [] },
          unchanged: false,
        },
        descriptionChanged: false,
        onFailureChanged: false,
        flowControlChanged: false,
      },
    ]);
    expect((await caller.scenarios.get({ id: main.id })).revision).toBe(before.revision);

    await caller.scenarios.import({ files: [{ path: 'order-sync.json', content: file }], dryRun: false });
    const after = await caller.scenarios.get({ id: main.id });
    expect(after.revision).toBe(before.revision + 1);
    expect(after.draft.nodes.find((n) => n.id === 'post')?.config.url).toBe(
      'https://erp.example.com/v2/orders',
    );
    expect(after.version).toBe(0);
  });

  it('refuses with the list of what does not resolve and writes nothing', async () => {
    const key = uniqueKey('shop');
    const { caller: source } = await sourceWorkspace(key);
    const { files } = await source.scenarios.export({});
    // "Double" is imported alongside: a call of it resolves; the handler "Alert" is not.
    const target = await workspace('Empty');
    const main = files.find((f) => f.path === 'order-sync.json')?.scenario as {
      nodes: { version: number }[];
    };
    const newer = { ...main, nodes: main.nodes.map((n, i) => (i === 0 ? { ...n, version: 7 } : n)) };

    const result = await target.scenarios.import({
      files: [
        { path: 'order-sync.json', content: newer },
        { path: 'double.json', content: files[0]?.scenario },
      ],
      dryRun: false,
    });
    expect(result.applied).toBe(false);
    expect(result.problems).toEqual([
      {
        path: 'order-sync.json',
        message: 'node "hook" was saved with trigger.webhook version 7, newer than this server\'s version 1',
      },
      {
        path: 'order-sync.json',
        message: `node "hook" (trigger.webhook) field "appId": no app with the key "${key}" in this workspace`,
      },
      {
        path: 'order-sync.json',
        message: `node "post" (http.request) field "connectionId": no connection named "Production" of the app "${key}" in this workspace`,
      },
      { path: 'order-sync.json', message: 'onFailure: no scenario named "Alert" in this workspace' },
    ]);
    expect((await target.scenarios.list({})).items).toEqual([]);
  });

  it('refuses, when publishing, a graph that could not be published, before writing anything', async () => {
    const target = await workspace('Invalid');
    const result = await target.scenarios.import({
      files: [
        {
          path: 'bad.json',
          content: {
            formatVersion: 1,
            name: 'Bad',
            nodes: [{ id: 'log', type: 'logger', version: 1, config: {}, position: { x: 0, y: 0 } }],
            edges: [],
          },
        },
      ],
      dryRun: false,
      publish: true,
    });
    expect(result.applied).toBe(false);
    expect(result.problems.length).toBeGreaterThan(0);
    expect(
      result.problems.every((p) => p.path === 'bad.json' && p.message.startsWith('cannot be published: ')),
    ).toBe(true);
    expect((await target.scenarios.list({})).items).toEqual([]);
  });

  it('refuses a malformed file by field and a file of a newer format', async () => {
    const target = await workspace('Malformed');
    const error = await rejection(target.scenarios.import({ files: [], dryRun: true }));
    expect(error.code).toBe('BAD_REQUEST');
    const result = await target.scenarios.import({
      files: [
        { path: 'a.json', content: { formatVersion: 2, name: 'A', nodes: [], edges: [] } },
        { path: 'b.json', content: 'not an object' },
      ],
      dryRun: true,
    });
    expect(result.problems).toEqual([
      {
        path: 'a.json',
        message: 'formatVersion: formatVersion is newer than this server reads (1); upgrade Weft',
      },
      { path: 'b.json', message: expect.stringMatching(/expected object/) },
    ]);
  });
});
