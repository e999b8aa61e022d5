import { describe, expect, it } from 'vitest';
import { catalog, fixture, ids } from './test-fixtures.js';
import { scenarioFileSchema } from './format.js';
import { type ExistingScenario, planScenarioImport } from './plan.js';
import { fromFileReferences } from './references.js';

const apps = { apps: catalog.apps, connections: catalog.connections };
const handler: ExistingScenario = {
  id: ids.alert,
  name: 'Alert on failure',
  description: '',
  onFailure: null,
  draft: { nodes: [], edges: [] },
};
const enrich: ExistingScenario = { ...handler, id: ids.enrich, name: 'Enrich customer' };

function counter(): () => string {
  let n = 0;
  return () => `d${String(++n).padStart(23, '0')}`;
}

describe('planScenarioImport', () => {
  const file = scenarioFileSchema.parse(fixture('order-sync.json'));
  const stored = fromFileReferences(file.nodes, file.onFailure, catalog);

  it('creates a scenario the workspace does not have, with an id given up front', () => {
    const plan = planScenarioImport({
      files: [{ path: 'order-sync.json', content: fixture('order-sync.json') }],
      existing: [handler, enrich],
      catalog: apps,
      newId: counter(),
    });
    expect(plan.problems).toEqual([]);
    expect(plan.scenarios).toHaveLength(1);
    const [created] = plan.scenarios;
    expect(created).toMatchObject({
      action: 'create',
      name: 'Order sync',
      scenarioId: 'd00000000000000000000001',
    });
    expect(created?.diff.nodes.added).toEqual(['hook', 'post', 'enrich']);
    expect(created?.onFailure).toBe(ids.alert);
    expect(created?.draft.nodes).toEqual(stored.nodes);
  });

  it('finds an identical draft unchanged and a changed one updated, with the diff', () => {
    const current: ExistingScenario = {
      id: ids.orderSync,
      name: 'Order sync',
      description: file.description,
      onFailure: ids.alert,
      draft: { nodes: stored.nodes, edges: file.edges },
    };
    const same = planScenarioImport({
      files: [{ path: 'a.json', content: fixture('order-sync.json') }],
      existing: [current, handler, enrich],
      catalog: apps,
      newId: counter(),
    });
    expect(same.problems).toEqual([]);
    expect(same.scenarios[0]).toMatchObject({ action: 'unchanged', scenarioId: ids.orderSync });

    const edited = structuredClone(fixture('order-sync.json')) as {
      nodes: { id: string; config: Record<string, unknown> }[];
      description: string;
    };
    const post = edited.nodes.find((n) => n.id === 'post');
    if (post) post.config.url = 'https://erp.example.com/v2/orders';
    edited.nodes = edited.nodes.filter((n) => n.id !== 'enrich');
    const changed = planScenarioImport({
      files: [{ path: 'a.json', content: { ...edited, edges: [file.edges[0]] } }],
      existing: [current, handler, enrich],
      catalog: apps,
      newId: counter(),
    });
    expect(changed.problems).toEqual([]);
    expect(changed.scenarios[0]).toMatchObject({
      action: 'update',
      descriptionChanged: false,
      onFailureChanged: false,
    });
    expect(changed.scenarios[0]?.diff).toMatchObject({
      nodes: { added: [], removed: ['enrich'], changed: [{ nodeId: 'post', fields: ['config'] }] },
      edges: { removed: ['e2'] },
    });
  });

  it('finds a changed flow control an update, the same one (also as null parts) unchanged', () => {
    const flowControl = { concurrency: { key: 'trigger.body.customerId', limit: 1 } };
    const current: ExistingScenario = {
      id: ids.orderSync,
      name: 'Order sync',
      description: file.description,
      onFailure: ids.alert,
      flowControl,
      draft: { nodes: stored.nodes, edges: file.edges },
    };
    const plan = (content: unknown) =>
      planScenarioImport({ files: [{ path: 'a.json', content }], existing: [current, handler, enrich], catalog: apps, newId: counter() });
    const same = plan({ ...(fixture('order-sync.json') as object), flowControl: { ...flowControl, throttle: null } });
    expect(same.scenarios[0]).toMatchObject({ action: 'unchanged', flowControlChanged: false, flowControl });
    const removed = plan(fixture('order-sync.json'));
    expect(removed.scenarios[0]).toMatchObject({ action: 'update', flowControlChanged: true, flowControl: null });
    const bad = plan({ ...(fixture('order-sync.json') as object), flowControl: { concurrency: { key: 'x', limit: 0 } } });
    expect(bad.problems).toEqual([{ path: 'a.json', message: 'flowControl.concurrency.limit: limit must be at least 1' }]);
  });

  it('resolves references to scenarios the same import creates', () => {
    const plan = planScenarioImport({
      files: [
        { path: 'order-sync.json', content: fixture('order-sync.json') },
        { path: 'alert.json', content: { formatVersion: 1, name: 'Alert on failure', nodes: [], edges: [] } },
        { path: 'enrich.json', content: { formatVersion: 1, name: 'Enrich customer', nodes: [], edges: [] } },
      ],
      existing: [],
      catalog: apps,
      newId: counter(),
    });
    expect(plan.problems).toEqual([]);
    const byName = Object.fromEntries(plan.scenarios.map((s) => [s.name, s]));
    expect(byName['Order sync']?.onFailure).toBe(byName['Alert on failure']?.scenarioId);
    const call = byName['Order sync']?.draft.nodes.find((n) => n.id === 'enrich');
    expect(call?.config.scenarioId).toBe(byName['Enrich customer']?.scenarioId);
  });

  it('lists everything that does not resolve, by file, node and field', () => {
    const plan = planScenarioImport({
      files: [
        { path: 'broken.json', content: fixture('unresolvable.json') },
        { path: 'order-sync.json', content: fixture('order-sync.json') },
        { path: 'again.json', content: fixture('order-sync.json') },
        { path: 'newer.json', content: { formatVersion: 3, name: 'Later', nodes: [], edges: [] } },
        { path: 'junk.json', content: { formatVersion: 1, nodes: 'no' } },
      ],
      existing: [],
      catalog: apps,
      newId: counter(),
    });
    expect(plan.problems).toEqual([
      {
        path: 'newer.json',
        message: expect.stringMatching(/^formatVersion: formatVersion is newer than this server reads \(1\)/),
      },
      { path: 'junk.json', message: expect.stringMatching(/^name: /) },
      { path: 'junk.json', message: expect.stringMatching(/^nodes: /) },
      { path: 'junk.json', message: expect.stringMatching(/^edges: /) },
      {
        path: 'again.json',
        message: 'scenario "Order sync" is also in order-sync.json; each scenario may be in one file',
      },
      {
        path: 'broken.json',
        message: 'node "future" was saved with logger version 9, newer than this server\'s version 1',
      },
      { path: 'broken.json', message: 'node "mystery" has unknown type "ftp.upload"' },
      {
        path: 'broken.json',
        message:
          'node "hook" (trigger.webhook) field "appId": no app with the key "billing" in this workspace',
      },
      {
        path: 'broken.json',
        message:
          'node "send" (webhook.send) field "connectionId": must be a reference { "$connection": { "app": "<app key>", "name": "<connection name>" } }, not "0123456789abcdef01234567"',
      },
      {
        path: 'order-sync.json',
        message:
          'node "enrich" (scenario.call) field "scenarioId": no scenario named "Enrich customer" in this workspace',
      },
      {
        path: 'order-sync.json',
        message: 'onFailure: no scenario named "Alert on failure" in this workspace',
      },
    ]);
    expect(plan.scenarios).toEqual([]);
  });

  it('refuses a name two scenarios of the workspace share, and a scenario as its own handler', () => {
    const plan = planScenarioImport({
      files: [
        { path: 'enrich.json', content: { formatVersion: 1, name: 'Enrich customer', nodes: [], edges: [] } },
        {
          path: 'self.json',
          content: {
            formatVersion: 1,
            name: 'Alert on failure',
            onFailure: { $scenario: 'Alert on failure' },
            nodes: [],
            edges: [],
          },
        },
      ],
      existing: [handler, enrich, { ...enrich, id: 'b00000000000000000000009' }],
      catalog: apps,
      newId: counter(),
    });
    expect(plan.problems).toEqual([
      {
        path: 'enrich.json',
        message: '2 scenarios of the workspace are named "Enrich customer"; rename all but one first',
      },
      { path: 'self.json', message: 'onFailure: a scenario cannot be its own failure handler' },
    ]);
  });
});
