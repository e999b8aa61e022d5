import { describe, expect, it } from 'vitest';
import { toScenarioFile, scenarioFileNames } from './export.js';
import { catalog, fixture, ids } from './test-fixtures.js';
import { scenarioFileSchema } from './format.js';
import { fromFileReferences } from './references.js';

describe('scenario files', () => {
  const file = scenarioFileSchema.parse(fixture('order-sync.json'));
  const stored = fromFileReferences(file.nodes, file.onFailure, catalog);

  it('resolves every reference of the file to the id it names', () => {
    expect(stored.problems).toEqual([]);
    expect(stored.onFailure).toBe(ids.alert);
    const config = Object.fromEntries(stored.nodes.map((n) => [n.id, n.config]));
    expect(config.hook?.appId).toBe(ids.shop);
    expect(config.post?.connectionId).toBe(ids.erpProduction);
    expect(config.enrich?.scenarioId).toBe(ids.enrich);
    // Fields that are not references are left alone.
    expect(config.hook?.filter).toBe('body.type = "order.created"');
  });

  it('exports the stored form back to the very file', () => {
    const result = toScenarioFile(
      {
        name: file.name,
        description: file.description,
        onFailure: stored.onFailure,
        draft: { nodes: stored.nodes, edges: file.edges },
      },
      catalog,
    );
    expect(result).toEqual({ ok: true, file: fixture('order-sync.json') });
    if (result.ok) expect(JSON.stringify(result.file)).not.toMatch(/[0-9a-f]{24}/);
  });

  it('refuses to export an id that names nothing, naming the node and field', () => {
    const dangling = stored.nodes.map((n) =>
      n.id === 'post' ? { ...n, config: { ...n.config, connectionId: 'ffffffffffffffffffffffff' } } : n,
    );
    const result = toScenarioFile(
      {
        name: 'x',
        description: '',
        onFailure: 'eeeeeeeeeeeeeeeeeeeeeeee',
        draft: { nodes: dangling, edges: [] },
      },
      catalog,
    );
    expect(result).toEqual({
      ok: false,
      problems: [
        'node "post" (http.request) field "connectionId": no connection with the id "ffffffffffffffffffffffff" in this workspace',
        'onFailure: no scenario with the id "eeeeeeeeeeeeeeeeeeeeeeee" in this workspace',
      ],
    });
  });

  it('refuses an app id where a connection is expected', () => {
    const wrong = stored.nodes.map((n) =>
      n.id === 'post' ? { ...n, config: { ...n.config, connectionId: ids.shop } } : n,
    );
    const result = toScenarioFile(
      { name: 'x', description: '', onFailure: null, draft: { nodes: wrong, edges: [] } },
      catalog,
    );
    expect(result.ok).toBe(false);
  });

  it('refuses names that would resolve to more than one thing, both ways', () => {
    const twins = {
      ...catalog,
      connections: [
        ...catalog.connections,
        { id: 'c00000000000000000000002', appKey: 'erp', name: 'Production' },
      ],
      scenarios: [...catalog.scenarios, { id: 'b00000000000000000000009', name: 'Alert on failure' }],
    };
    const ambiguous = { $connection: { app: 'erp', name: 'Production' } };
    expect(fromFileReferences(file.nodes, file.onFailure, twins).problems).toEqual([
      `node "post" (http.request) field "connectionId": 2 connections match ${JSON.stringify(ambiguous)}; rename one`,
      'onFailure: 2 scenarios match {"$scenario":"Alert on failure"}; rename one',
    ]);
    const result = toScenarioFile(
      { name: file.name, description: '', onFailure: ids.alert, draft: { nodes: stored.nodes, edges: [] } },
      twins,
    );
    expect(result).toEqual({
      ok: false,
      problems: [
        `node "post" (http.request) field "connectionId": 2 connections match ${JSON.stringify(ambiguous)}; rename one`,
        'onFailure: 2 scenarios match {"$scenario":"Alert on failure"}; rename one',
      ],
    });
  });

  it('refuses a file of a newer format by its version', () => {
    const newer = { ...(fixture('order-sync.json') as object), formatVersion: 2 };
    const parsed = scenarioFileSchema.safeParse(newer);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/formatVersion is newer than this server reads \(1\)/);
  });

  it('names files by slug, numbering clashes', () => {
    expect(scenarioFileNames(['Order sync', 'order  SYNC!', 'Ünïcode', '***'])).toEqual([
      'order-sync.json',
      'order-sync-2.json',
      'unicode.json',
      'scenario.json',
    ]);
  });
});
