import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSimulatedHost, executeRun } from '@weft/core';
import { runCodeInSandbox } from '@weft/core/sandbox';
import { appendRunLogs, createApiToken, JOBS_COLLECTION, listHttpPages, toObjectId } from '@weft/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllowList } from '@weft/core/net';
import { probeHealthUrl } from '../src/net/health-probe.js';
import { finishedRun, manualGraph, publishedManualScenario, rejection } from './fixtures.js';
import {
  callerFor,
  createSignedApp,
  postSigned,
  SECRETS,
  uniqueKey,
  useApi,
  webhookGraph,
  webhookScenario,
} from './harness.js';

const h = useApi({ deps: { httpAllowList: parseAllowList('127.0.0.1') } });

let healthServer: http.Server;
let healthBase = '';
beforeAll(async () => {
  healthServer = http.createServer((req, res) => {
    res.statusCode = req.url === '/ok' ? 204 : 503;
    res.end();
  });
  await new Promise<void>((resolve) => healthServer.listen(0, '127.0.0.1', resolve));
  healthBase = `http://127.0.0.1:${(healthServer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  healthServer.closeAllConnections();
  await new Promise((resolve) => healthServer.close(resolve));
});

async function jobCount(runId: string) {
  return h.db.connection.db!.collection(JOBS_COLLECTION).countDocuments({ 'data.runId': runId });
}

describe('auth and tokens', () => {
  it('whoami names the workspace and the token', async () => {
    const me = await h.caller.auth.whoami();
    expect(me.workspace).toMatchObject({ id: h.workspaceId.toHexString(), name: 'Test workspace' });
    expect(me.token).toMatchObject({ name: 'test', revokedAt: null });
    expect(me.token.prefix).toMatch(/^weft_/);
    expect(JSON.stringify(me)).not.toContain(h.token);
  });

  it('creates a token shown once, lists without secrets, revokes; the last active admin token stays', async () => {
    const created = await h.caller.tokens.create({ name: 'ci', scope: 'editor' });
    expect(created.token).toMatch(/^weft_[A-Za-z0-9_-]{40,}$/);
    expect(created.prefix).toBe(created.token.slice(0, created.prefix.length));
    const listed = await h.caller.tokens.list();
    expect(listed.map((t) => t.name)).toEqual(expect.arrayContaining(['ci', 'test']));
    expect(JSON.stringify(listed)).not.toContain(created.token);
    expect(listed.every((t) => !('token' in t) && !('tokenHash' in t))).toBe(true);

    const ci = callerFor(h.deps, created.token);
    expect((await ci.auth.whoami()).token.id).toBe(created.id);
    const revoked = await h.caller.tokens.revoke({ id: created.id });
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    expect((await rejection(ci.auth.whoami())).code).toBe('UNAUTHORIZED');
    expect((await h.caller.tokens.revoke({ id: created.id })).revokedAt).toEqual(revoked.revokedAt);
    expect((await rejection(h.caller.tokens.revoke({ id: '0123456789abcdef01234567' }))).code).toBe(
      'NOT_FOUND',
    );

    // A workspace whose only token is this one cannot lock itself out.
    const { createWorkspace } = await import('@weft/db');
    const lonely = await createWorkspace(h.db.models, 'Lonely');
    const { token, doc } = await createApiToken(h.db.models, lonely._id, 'only');
    const refused = await rejection(callerFor(h.deps, token).tokens.revoke({ id: doc._id.toHexString() }));
    expect(refused.code).toBe('PRECONDITION_FAILED');
    expect(refused.message).toContain('last active admin token');
  });
});

describe('apps', () => {
  it('lists, updates name, signature scheme and options, and the default connection', async () => {
    const app = await h.caller.apps.create({
      key: uniqueKey('gen'),
      name: 'Generic',
      signature: { scheme: 'generic' },
    });
    const list = await h.caller.apps.list();
    expect(list.map((a) => a.id)).toContain(app.id);

    const updated = await h.caller.apps.update({
      id: app.id,
      name: 'Generic v2',
      signature: { scheme: 'generic', header: 'x-hub-sig', prefix: '', toleranceSec: 60 },
    });
    expect(updated).toMatchObject({
      name: 'Generic v2',
      key: app.key,
      signature: { scheme: 'generic', header: 'x-hub-sig', prefix: '', toleranceSec: 60 },
    });
    const badOption = await rejection(
      h.caller.apps.update({ id: app.id, signature: { scheme: 'github', header: 'x-nope' } }),
    );
    expect(badOption.code).toBe('BAD_REQUEST');
    expect(badOption.message).toContain('signature.header: header is only used by the generic scheme');

    const first = await h.caller.connections.create({
      appId: app.id,
      name: 'one',
      secrets: { webhookSecret: 'first-secret-value-0001' },
    });
    const second = await h.caller.connections.create({
      appId: app.id,
      name: 'two',
      secrets: { webhookSecret: 'second-secret-value-0002' },
      makeDefault: false,
    });
    expect((await h.caller.apps.get({ id: app.id })).defaultConnectionId).toBe(first.id);
    const switched = await h.caller.apps.update({ id: app.id, defaultConnectionId: second.id });
    expect(switched.defaultConnectionId).toBe(second.id);

    const other = await h.caller.apps.create({
      key: uniqueKey(),
      name: 'Other',
      signature: { scheme: 'github' },
    });
    const foreign = await h.caller.connections.create({ appId: other.id, name: 'x' });
    const wrongApp = await rejection(h.caller.apps.update({ id: app.id, defaultConnectionId: foreign.id }));
    expect(wrongApp.code).toBe('BAD_REQUEST');
    expect(wrongApp.message).toMatch(/^defaultConnectionId: connection "x" belongs to another app/);
    expect(
      (await h.caller.apps.update({ id: app.id, defaultConnectionId: null })).defaultConnectionId,
    ).toBeNull();
    expect((await rejection(h.caller.apps.update({ id: '0123456789abcdef01234567', name: 'x' }))).code).toBe(
      'NOT_FOUND',
    );
  });

  it('a signature change applies to the next webhook at once (the app cache is dropped)', async () => {
    const app = await createSignedApp(h, { scheme: 'github' });
    await webhookScenario(h, app.id);
    expect((await postSigned(h, app, '{"a":1}')).status).toBe(202);
    await h.caller.apps.update({ id: app.id, signature: { scheme: 'shopify' } });
    expect((await postSigned(h, app, '{"a":2}')).status).toBe(401);
    expect((await postSigned(h, { ...app, signature: { scheme: 'shopify' } }, '{"a":3}')).status).toBe(202);
  });

  it('delete is refused while scenarios use the app, naming them; then deletes app and connections', async () => {
    const app = await h.caller.apps.create({
      key: uniqueKey(),
      name: 'Busy',
      signature: { scheme: 'github' },
    });
    const connection = await h.caller.connections.create({ appId: app.id, name: 'c' });
    const a = await h.caller.scenarios.create({ name: 'Uses it A', draft: webhookGraph(app.id) });
    await h.caller.scenarios.create({ name: 'Uses it B', draft: webhookGraph(app.id) });
    const refused = await rejection(h.caller.apps.delete({ id: app.id }));
    expect(refused.code).toBe('CONFLICT');
    expect(refused.message).toContain('"Uses it A"');
    expect(refused.message).toContain('"Uses it B"');
    expect((await h.caller.apps.get({ id: app.id })).id).toBe(app.id);

    await h.caller.scenarios.delete({ id: a.id });
    const stillB = await rejection(h.caller.apps.delete({ id: app.id }));
    expect(stillB.message).not.toContain('"Uses it A"');
    const b = (await h.caller.scenarios.list({ name: 'Uses it B' })).items[0]!;
    await h.caller.scenarios.updateDraft({ id: b.id, revision: b.revision, draft: { nodes: [], edges: [] } });
    expect(await h.caller.apps.delete({ id: app.id })).toEqual({ id: app.id, deleted: true });
    expect((await rejection(h.caller.apps.get({ id: app.id }))).code).toBe('NOT_FOUND');
    expect((await rejection(h.caller.connections.get({ id: connection.id }))).code).toBe('NOT_FOUND');
    expect((await rejection(h.caller.apps.delete({ id: app.id }))).code).toBe('NOT_FOUND');
  });
});

describe('connections', () => {
  it('lists (per app), gets, updates metadata, rotates secrets write-only', async () => {
    const app = await h.caller.apps.create({
      key: uniqueKey(),
      name: 'CRM',
      signature: { scheme: 'github' },
    });
    const created = await h.caller.connections.create({
      appId: app.id,
      name: 'prod',
      secrets: { webhookSecret: 'crm-webhook-secret-0001', apiKey: 'crm-api-key-0000000001' },
      metadata: { region: 'eu' },
    });
    const listed = await h.caller.connections.list({ appId: app.id });
    expect(listed.map((c) => c.id)).toEqual([created.id]);
    expect((await h.caller.connections.list()).map((c) => c.id)).toContain(created.id);
    const got = await h.caller.connections.get({ id: created.id });
    expect(got).toMatchObject({
      name: 'prod',
      metadata: { region: 'eu' },
      hasSecret: true,
      status: 'active',
    });
    expect(got.secretHint).toContain('webhookSecret=');
    expect(got.secretHint).not.toContain('crm-webhook-secret-0001');

    const renamed = await h.caller.connections.update({
      id: created.id,
      name: 'production',
      metadata: { region: 'us' },
    });
    expect(renamed).toMatchObject({ name: 'production', metadata: { region: 'us' }, hasSecret: true });

    const before = got.rotatedAt!;
    await new Promise((resolve) => setTimeout(resolve, 5));
    const rotated = await h.caller.connections.setSecrets({
      id: created.id,
      secrets: { webhookSecret: 'crm-webhook-secret-0002' },
    });
    expect(rotated.rotatedAt!.getTime()).toBeGreaterThan(before.getTime());
    expect(rotated.secretHint).not.toContain('apiKey');
    expect(rotated).not.toHaveProperty('secrets');
    expect((await rejection(h.caller.connections.setSecrets({ id: created.id, secrets: {} }))).code).toBe(
      'BAD_REQUEST',
    );
    expect(
      (
        await rejection(
          h.caller.connections.setSecrets({ id: '0123456789abcdef01234567', secrets: { a: 'b' } }),
        )
      ).code,
    ).toBe('NOT_FOUND');
  });

  it('rotation takes effect on the next webhook; a disabled default connection refuses webhooks', async () => {
    const app = await createSignedApp(h, { scheme: 'github' });
    await webhookScenario(h, app.id);
    const connectionId = (await h.caller.apps.get({ id: app.id })).defaultConnectionId!;
    await h.caller.connections.setSecrets({
      id: connectionId,
      secrets: { webhookSecret: 'rotated-github-secret-01' },
    });
    expect((await postSigned(h, app, '{"old":1}')).status).toBe(401);
    const rotatedApp = { ...app, secret: 'rotated-github-secret-01' };
    expect((await postSigned(h, rotatedApp, '{"new":1}')).status).toBe(202);

    const disabled = await h.caller.connections.disable({ id: connectionId });
    expect(disabled.status).toBe('disabled');
    const refused = await postSigned(h, rotatedApp, '{"new":2}');
    expect(refused.status).toBe(401);
    expect(refused.json).toMatchObject({
      error: 'invalid_secret',
      message: expect.stringContaining('disabled'),
    });
    expect((await h.caller.connections.enable({ id: connectionId })).status).toBe('active');
    expect((await postSigned(h, rotatedApp, '{"new":3}')).status).toBe(202);
  });

  it('a Standard Webhooks secret must be whsec_<base64>, on rotation too', async () => {
    const app = await h.caller.apps.create({
      key: uniqueKey(),
      name: 'Svix',
      signature: { scheme: 'standard-webhooks' },
    });
    const connection = await h.caller.connections.create({
      appId: app.id,
      name: 'c',
      secrets: { webhookSecret: SECRETS['standard-webhooks'] },
    });
    const refused = await rejection(
      h.caller.connections.setSecrets({ id: connection.id, secrets: { webhookSecret: 'not base64!' } }),
    );
    expect(refused.code).toBe('BAD_REQUEST');
    expect(refused.message).toMatch(/^secrets\.webhookSecret: .*whsec_/);
  });

  it('test checks the secrets, the webhook secret and metadata.healthUrl, and records the outcome', async () => {
    const app = await h.caller.apps.create({
      key: uniqueKey(),
      name: 'Health',
      signature: { scheme: 'github' },
    });
    const healthy = await h.caller.connections.create({
      appId: app.id,
      name: 'healthy',
      secrets: { webhookSecret: 'health-webhook-secret-01' },
      metadata: { healthUrl: `${healthBase}/ok` },
    });
    const ok = await h.caller.connections.test({ id: healthy.id });
    expect(ok.ok).toBe(true);
    expect(ok.checks.map((c) => [c.name, c.ok])).toEqual([
      ['secrets', true],
      ['webhookSecret', true],
      ['healthUrl', true],
    ]);
    expect(ok.connection.health).toMatchObject({ status: 'ok', lastError: null });
    expect(ok.connection.health.checkedAt).toBeInstanceOf(Date);

    const down = await h.caller.connections.update({
      id: healthy.id,
      metadata: { healthUrl: `${healthBase}/down` },
    });
    const failing = await h.caller.connections.test({ id: down.id });
    expect(failing.ok).toBe(false);
    expect(failing.connection.health).toMatchObject({
      status: 'failing',
      lastError: expect.stringContaining('answered 503'),
    });
    expect((await h.caller.connections.get({ id: down.id })).health.status).toBe('failing');

    const privateTarget = await h.caller.connections.create({
      appId: app.id,
      name: 'private',
      metadata: { healthUrl: 'http://10.1.2.3/health' },
      makeDefault: false,
    });
    const ssrf = await h.caller.connections.test({ id: privateTarget.id });
    expect(ssrf.ok).toBe(false);
    expect(ssrf.checks).toEqual([
      {
        name: 'healthUrl',
        ok: false,
        message: expect.stringMatching(/refused to connect to 10\.1\.2\.3.*private.*WEFT_HTTP_ALLOW_PRIVATE/),
      },
    ]);

    const noWebhookSecret = await h.caller.connections.create({
      appId: app.id,
      name: 'bare',
      secrets: { apiKey: 'bare-api-key-000001' },
    });
    const missing = await h.caller.connections.test({ id: noWebhookSecret.id });
    expect(missing.checks.find((c) => c.name === 'webhookSecret')).toMatchObject({
      ok: false,
      message: expect.stringContaining('has no secrets.webhookSecret'),
    });
    expect((await rejection(h.caller.connections.test({ id: '0123456789abcdef01234567' }))).code).toBe(
      'NOT_FOUND',
    );
  });

  it('the health probe follows the runner’s SSRF rule', async () => {
    expect(await probeHealthUrl(`${healthBase}/ok`)).toMatchObject({
      ok: false,
      error: expect.stringContaining('(loopback)'),
    });
    expect(
      await probeHealthUrl(`${healthBase}/ok`, { allowList: parseAllowList('127.0.0.0/8') }),
    ).toMatchObject({
      ok: true,
      status: 204,
    });
    expect(await probeHealthUrl('ftp://example.com/x')).toMatchObject({
      ok: false,
      error: expect.stringContaining('ftp:'),
    });
    const viaName = await probeHealthUrl('http://internal.example/x', {
      lookup: ((
        _host: string,
        _options: unknown,
        callback: (e: null, a: { address: string; family: number }[]) => void,
      ) => callback(null, [{ address: '169.254.169.254', family: 4 }])) as never,
    });
    expect(viaName).toMatchObject({
      ok: false,
      error: expect.stringContaining('169.254.169.254 (linkLocal)'),
    });
  });
});

describe('scenarios', () => {
  it('lists with cursor pages and filters by enabled, app and name', async () => {
    const app = await h.caller.apps.create({
      key: uniqueKey(),
      name: 'Lister',
      signature: { scheme: 'github' },
    });
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const s = await h.caller.scenarios.create({
        name: `Paged ${i}`,
        draft: i % 2 === 0 ? webhookGraph(app.id) : manualGraph,
      });
      ids.push(s.id);
    }
    await h.caller.scenarios.publish({ id: ids[0]! });
    await h.caller.scenarios.setEnabled({ id: ids[0]!, enabled: true });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = await h.caller.scenarios.list({
        name: 'paged',
        limit: 3,
        cursor,
      });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual([...ids].sort());
    const byApp = await h.caller.scenarios.list({ appId: app.id });
    expect(byApp.items.map((s) => s.id).sort()).toEqual([ids[0], ids[2], ids[4], ids[6]].sort());
    const enabled = await h.caller.scenarios.list({ name: 'Paged', enabled: true });
    expect(enabled.items.map((s) => s.id)).toEqual([ids[0]]);
    expect(enabled.items[0]).not.toHaveProperty('draft');

    const badCursor = await rejection(h.caller.scenarios.list({ cursor: 'not-a-cursor' }));
    expect(badCursor.code).toBe('BAD_REQUEST');
    expect(badCursor.message).toMatch(/^cursor: /);
  });

  it('versions list and get, diff of the draft against the published version or another one', async () => {
    const { scenario } = await publishedManualScenario(h.caller, 'Versioned');
    const changed = {
      nodes: [
        ...manualGraph.nodes
          .slice(0, 2)
          .map((n) => (n.id === 'double' ? { ...n, config: { expression: '{ "n": trigger.n * 3 }' } } : n)),
        {
          id: 'shout',
          type: 'logger',
          version: 1,
          config: { message: 'tripled' },
          position: { x: 400, y: 100 },
        },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'double' },
        { id: 'e3', source: 'double', target: 'shout' },
      ],
    };
    const saved = await h.caller.scenarios.updateDraft({
      id: scenario.id,
      revision: scenario.revision,
      draft: changed,
    });
    const diff = await h.caller.scenarios.diff({ id: scenario.id });
    expect(diff.against).toMatchObject({ version: 1 });
    expect(diff.diff).toMatchObject({
      nodes: { added: ['shout'], removed: ['log'], changed: [{ nodeId: 'double', fields: ['config'] }] },
      edges: { added: ['e3'], removed: ['e2'] },
      unchanged: false,
    });
    await h.caller.scenarios.publish({ id: saved.id });
    expect((await h.caller.scenarios.diff({ id: scenario.id })).diff.unchanged).toBe(true);
    expect((await h.caller.scenarios.diff({ id: scenario.id, version: 1 })).diff.nodes.added).toEqual([
      'shout',
    ]);

    const versions = await h.caller.scenarios.versions({ id: scenario.id });
    expect(versions.map((v) => [v.version, v.published])).toEqual([
      [2, true],
      [1, false],
    ]);
    const v1 = await h.caller.scenarios.version({ id: scenario.id, version: 1 });
    expect(v1.nodes.map((n) => n.id)).toEqual(['start', 'double', 'log']);
    const missing = await rejection(h.caller.scenarios.version({ id: scenario.id, version: 9 }));
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toContain('has no version 9 (the latest is 2)');

    const fresh = await h.caller.scenarios.create({ name: 'Never published', draft: manualGraph });
    const all = await h.caller.scenarios.diff({ id: fresh.id });
    expect(all.against).toBeNull();
    expect(all.diff.nodes.added).toEqual(['start', 'double', 'log']);
  });

  it('publish passes the validated revision: a save in between is not published unvalidated', async () => {
    const scenario = await h.caller.scenarios.create({ name: 'Raced', draft: manualGraph });
    const validation = await h.caller.scenarios.validate({ id: scenario.id });
    expect(validation).toMatchObject({ valid: true, revision: 0 });
    const stale = await rejection(
      h.caller.scenarios.updateDraft({ id: scenario.id, revision: 5, draft: manualGraph }),
    );
    expect(stale.code).toBe('CONFLICT');
  });

  it('duplicates (disabled, unpublished copy) and deletes by archiving, keeping runs', async () => {
    const { scenario } = await publishedManualScenario(h.caller, 'Original');
    const runId = await finishedRun(h, scenario, { second: 'succeeded' });
    const copy = await h.caller.scenarios.duplicate({ id: scenario.id });
    expect(copy).toMatchObject({
      name: 'Original (copy)',
      enabled: false,
      version: 0,
      publishedVersionId: null,
    });
    expect(copy.draft.nodes).toEqual(scenario.draft.nodes);
    expect((await h.caller.scenarios.duplicate({ id: scenario.id, name: 'Named' })).name).toBe('Named');

    expect(await h.caller.scenarios.delete({ id: scenario.id })).toEqual({ id: scenario.id, archived: true });
    expect((await rejection(h.caller.scenarios.get({ id: scenario.id }))).code).toBe('NOT_FOUND');
    expect((await h.caller.scenarios.list({ name: 'Original' })).items.map((s) => s.id)).not.toContain(
      scenario.id,
    );
    expect((await h.caller.runs.get({ id: runId })).status).toBe('succeeded');
    expect((await h.caller.runs.list({ scenarioId: scenario.id })).items.map((r) => r.id)).toEqual([runId]);
    expect((await rejection(h.caller.scenarios.delete({ id: scenario.id }))).code).toBe('NOT_FOUND');
    expect((await rejection(h.caller.scenarios.duplicate({ id: scenario.id }))).code).toBe('NOT_FOUND');
  });
});

describe('scenarios.dryRun', () => {
  it('runs the draft with a sample payload: per node status, output, logs, duration; nothing stored', async () => {
    const scenario = await h.caller.scenarios.create({ name: 'Preview', draft: manualGraph });
    const runsBefore = await h.db.models.Run.countDocuments({}).exec();
    const logsBefore = await h.db.models.RunLog.countDocuments({}).exec();
    const result = await h.caller.scenarios.dryRun({ id: scenario.id, trigger: { n: 5 } });
    expect(result.status).toBe('succeeded');
    expect(result.source).toEqual({ kind: 'draft', revision: 0 });
    expect(result.trigger).toEqual({ source: 'payload', value: { n: 5 } });
    expect(result.problems).toEqual([]);
    expect(result.nodes.map((n) => [n.nodeId, n.status, n.output])).toEqual([
      ['start', 'succeeded', { n: 5 }],
      ['double', 'succeeded', { n: 10 }],
      ['log', 'succeeded', expect.anything()],
    ]);
    expect(result.nodes.find((n) => n.nodeId === 'log')?.logs).toEqual([
      expect.objectContaining({ level: 'info', message: 'doubled 10' }),
    ]);
    expect(result.nodes.every((n) => typeof n.durationMs === 'number')).toBe(true);
    expect(result.skipped).toEqual([]);
    expect(await h.db.models.Run.countDocuments({}).exec()).toBe(runsBefore);
    expect(await h.db.models.RunLog.countDocuments({}).exec()).toBe(logsBefore);
  });

  it('reports skipped branches, pins outputs, runs an unsaved draft or a version, calls nothing', async () => {
    const graph = {
      nodes: [
        { id: 'start', type: 'trigger.manual', version: 1, config: {} },
        { id: 'check', type: 'condition', version: 1, config: { expression: 'trigger.n > 10' } },
        {
          id: 'call',
          type: 'http.request',
          version: 2,
          config: { url: 'http://10.0.0.1/never-called', method: 'POST', body: { n: '{{ trigger.n }}' } },
        },
        { id: 'small', type: 'logger', version: 1, config: { message: 'small {{ trigger.n }}' } },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'check' },
        { id: 'e2', source: 'check', sourceHandle: 'true', target: 'call' },
        { id: 'e3', source: 'check', sourceHandle: 'false', target: 'small' },
      ],
    };
    const scenario = await h.caller.scenarios.create({ name: 'Branches' });
    const big = await h.caller.scenarios.dryRun({ id: scenario.id, draft: graph, trigger: { n: 50 } });
    expect(big.source).toEqual({ kind: 'draft', revision: null });
    expect(big.skipped).toEqual(['small']);
    const call = big.nodes.find((n) => n.nodeId === 'call')!;
    expect(call.status).toBe('succeeded');
    expect(call.requests).toEqual([
      expect.objectContaining({ method: 'POST', url: 'http://10.0.0.1/never-called' }),
    ]);

    const pinned = await h.caller.scenarios.dryRun({
      id: scenario.id,
      draft: graph,
      trigger: { n: 50 },
      pinnedOutputs: { check: { pinned: true } },
    });
    expect(pinned.nodes.find((n) => n.nodeId === 'check')).toMatchObject({
      pinned: true,
      output: { pinned: true },
    });
    const unknownPin = await rejection(
      h.caller.scenarios.dryRun({ id: scenario.id, draft: graph, pinnedOutputs: { nope: 1 } }),
    );
    expect(unknownPin.code).toBe('BAD_REQUEST');
    expect(unknownPin.message).toBe('pinnedOutputs: no node "nope" in this graph');

    const { scenario: versioned } = await publishedManualScenario(h.caller, 'Versioned preview');
    await h.caller.scenarios.updateDraft({ id: versioned.id, revision: versioned.revision, draft: graph });
    const v1 = await h.caller.scenarios.dryRun({ id: versioned.id, version: 1, trigger: { n: 2 } });
    expect(v1.source).toEqual({ kind: 'version', version: 1 });
    expect(v1.nodes.map((n) => n.nodeId)).toEqual(['start', 'double', 'log']);
    expect((await rejection(h.caller.scenarios.dryRun({ id: versioned.id, version: 7 }))).code).toBe(
      'NOT_FOUND',
    );

    const both = await rejection(h.caller.scenarios.dryRun({ id: scenario.id, version: 1, draft: graph }));
    expect(both.code).toBe('BAD_REQUEST');
    expect(both.message).toContain('draft: give either draft or version, not both');
  });

  it('uses a stored delivery as the trigger; invalid graphs still preview with their problems', async () => {
    const app = await createSignedApp(h, { scheme: 'github' });
    const scenarioId = await webhookScenario(h, app.id);
    const posted = await postSigned(h, app, '{"order":{"id":7}}');
    const delivery = (await h.caller.deliveries.list({ appId: app.id })).items[0]!;
    expect(delivery.deliveryId).toBe(posted.json.deliveryId);
    const result = await h.caller.scenarios.dryRun({ id: scenarioId, deliveryId: delivery.id });
    expect(result.trigger.source).toBe('delivery');
    expect(result.nodes[0]!.output).toMatchObject({
      body: { order: { id: 7 } },
      deliveryId: delivery.deliveryId,
    });
    expect(result.nodes[1]!.logs[0]?.message).toContain('"id":7');

    const defaulted = await h.caller.scenarios.dryRun({ id: scenarioId });
    expect(defaulted.trigger.source).toBe('default');
    expect(defaulted.status).toBe('succeeded');

    const broken = await h.caller.scenarios.create({
      name: 'Broken preview',
      draft: {
        nodes: [
          { id: 'start', type: 'trigger.manual', version: 1, config: {} },
          { id: 'log', type: 'logger', version: 1, config: {} },
        ],
        edges: [{ id: 'e', source: 'start', target: 'log' }],
      },
    });
    const preview = await h.caller.scenarios.dryRun({ id: broken.id });
    expect(preview.problems.map((p) => `${p.code}:${p.nodeId}`)).toEqual(['invalid_config:log']);
    expect(preview.nodes.find((n) => n.nodeId === 'log')?.status).toBe('failed');
    expect(
      (await rejection(h.caller.scenarios.dryRun({ id: scenarioId, deliveryId: '0123456789abcdef01234567' })))
        .code,
    ).toBe('NOT_FOUND');
  });
});

describe('runs', () => {
  it('lists with cursor pages and filters; gets steps, timings and version; pages logs by node and level', async () => {
    const { scenario } = await publishedManualScenario(h.caller, 'Listed runs');
    const failed = await finishedRun(h, scenario);
    const succeeded = await finishedRun(h, scenario, { second: 'succeeded' });
    const third = await finishedRun(h, scenario, { second: 'succeeded' });
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = await h.caller.runs.list({
        scenarioId: scenario.id,
        limit: 2,
        cursor,
      });
      all.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(all.sort()).toEqual([failed, succeeded, third].sort());
    expect(
      (await h.caller.runs.list({ scenarioId: scenario.id, status: 'failed' })).items.map((r) => r.id),
    ).toEqual([failed]);
    expect((await h.caller.runs.list({ correlationId: `corr-${third}` })).items.map((r) => r.id)).toEqual([
      third,
    ]);
    const future = new Date(Date.now() + 60_000);
    expect((await h.caller.runs.list({ scenarioId: scenario.id, from: future })).items).toEqual([]);
    expect((await h.caller.runs.list({ scenarioId: scenario.id, to: future })).items).toHaveLength(3);
    const badRange = await rejection(h.caller.runs.list({ from: future, to: new Date(0) }));
    expect(badRange.code).toBe('BAD_REQUEST');
    expect(badRange.message).toContain('to: to must be later than from');

    const run = await h.caller.runs.get({ id: failed });
    expect(run).toMatchObject({
      status: 'failed',
      scenarioVersion: { version: 1 },
      error: { code: 'expression_error' },
      steps: [
        { nodeId: 'start', status: 'succeeded', durationMs: 2 },
        { nodeId: 'double', status: 'failed', attempts: 3, error: { message: 'boom' } },
        { nodeId: 'log', status: 'skipped' },
      ],
    });
    expect(run.startedAt).toBeInstanceOf(Date);
    expect(typeof run.durationMs).toBe('number');

    const base = Date.now();
    await appendRunLogs(
      h.db.models,
      Array.from({ length: 9 }, (_, i) => ({
        workspaceId: h.workspaceId,
        runId: toObjectId(failed),
        correlationId: `corr-${failed}`,
        nodeId: i < 6 ? 'double' : 'start',
        attempt: 1,
        level: i % 3 === 0 ? ('error' as const) : ('info' as const),
        message: `line ${i}`,
        ts: new Date(base + i),
      })),
    );
    const pages: string[] = [];
    let logCursor: string | null = null;
    do {
      const page: { items: { message: string }[]; nextCursor: string | null } = await h.caller.runs.logs({
        runId: failed,
        limit: 4,
        cursor: logCursor,
      });
      pages.push(...page.items.map((l) => l.message));
      logCursor = page.nextCursor;
    } while (logCursor);
    expect(pages).toEqual(Array.from({ length: 9 }, (_, i) => `line ${i}`));
    const doubleErrors = await h.caller.runs.logs({ runId: failed, nodeId: 'double', level: 'error' });
    expect(doubleErrors.items.map((l) => l.message)).toEqual(['line 0', 'line 3']);
    expect((await rejection(h.caller.runs.logs({ runId: failed, cursor: '!!' }))).message).toMatch(
      /^cursor:/,
    );
  });

  it('replays from the failed step: earlier succeeded steps keep their outputs, the rest is pending', async () => {
    const { scenario } = await publishedManualScenario(h.caller, 'Replayed');
    const failedId = await finishedRun(h, scenario, { input: { n: 4 } });
    // A page the failed run fetched (a paginated request) goes with the replay from the failure.
    await h.deps.database.models.RunHttpPage.collection.insertOne({
      workspaceId: h.workspaceId,
      runId: toObjectId(failedId),
      nodeId: 'double',
      itemIndex: null,
      page: 1,
      url: 'https://api.example.com/contacts',
      status: 200,
      items: [{ id: 1 }],
      itemCount: 1,
      next: 'https://api.example.com/contacts?p=2',
      attempt: 1,
      fetchedAt: new Date(),
      updatedAt: new Date(),
    });
    expect(await h.caller.runs.httpPages({ runId: failedId, nodeId: 'double' })).toEqual({
      pages: [
        {
          page: 1,
          url: 'https://api.example.com/contacts',
          status: 200,
          itemCount: 1,
          more: true,
          fetchedAt: expect.any(Date),
        },
      ],
    });
    expect(await h.caller.runs.httpPages({ runId: failedId, nodeId: 'double', itemIndex: 0 })).toEqual({
      pages: [],
    });
    expect(
      (await rejection(h.caller.runs.httpPages({ runId: failedId, nodeId: 'double', itemIndex: -1 })))
        .message,
    ).toMatch(/itemIndex/);
    const replay = await h.caller.runs.replay({ id: failedId, from: 'failure' });
    const copiedPages = await listHttpPages(h.deps.database.models, toObjectId(replay.id), 'double', null);
    expect(copiedPages.map((page) => [page.page, page.items, page.next])).toEqual([
      [1, [{ id: 1 }], 'https://api.example.com/contacts?p=2'],
    ]);
    expect(replay).toMatchObject({
      status: 'queued',
      input: { n: 4 },
      correlationId: `corr-${failedId}`,
      trigger: { kind: 'replay', replayOf: failedId },
      steps: [
        { nodeId: 'start', status: 'succeeded', attempts: 1, output: { n: 4 }, durationMs: 2 },
        { nodeId: 'double', status: 'pending', attempts: 0, output: null, error: null },
        { nodeId: 'log', status: 'pending', attempts: 0 },
      ],
    });
    expect(replay.id).not.toBe(failedId);
    expect(await jobCount(replay.id)).toBe(1);

    // Executed (core engine, as the runner would): the trigger is not run again, the rest runs
    // on its kept output.
    const version = await h.caller.scenarios.version({ id: scenario.id, version: replay.version });
    const host = createSimulatedHost(new Date(), runCodeInSandbox);
    const outcome = await executeRun(
      {
        runId: replay.id,
        scenarioId: scenario.id,
        startedAt: new Date(),
        trigger: replay.input,
        graph: { nodes: version.nodes, edges: version.edges },
        steps: replay.steps.map((step) => ({
          ...step,
          firedHandles: step.firedHandles,
          output: step.output ?? undefined,
          inputSummary: step.inputSummary ?? undefined,
        })),
      },
      host,
    );
    expect(outcome.status).toBe('succeeded');
    expect([...host.steps.keys()].sort()).toEqual(['double', 'log']);
    expect(host.steps.get('double')?.output).toEqual({ n: 8 });

    const fromStart = await h.caller.runs.replay({ id: failedId });
    expect(fromStart.trigger).toMatchObject({ kind: 'replay', replayOf: failedId });
    expect(await listHttpPages(h.deps.database.models, toObjectId(fromStart.id), 'double', null)).toEqual([]);
    expect(fromStart.steps.every((s) => s.status === 'pending')).toBe(true);

    const live = await rejection(h.caller.runs.replay({ id: replay.id }));
    expect(live.code).toBe('CONFLICT');
    expect(live.message).toContain('still queued');
    const ok = await finishedRun(h, scenario, { second: 'succeeded' });
    const nothingFailed = await rejection(h.caller.runs.replay({ id: ok, from: 'failure' }));
    expect(nothingFailed.code).toBe('PRECONDITION_FAILED');
    expect((await h.caller.runs.replay({ id: ok, from: 'start' })).status).toBe('queued');
    // Retention removed the outputs of the failed run: it can only start over.
    await h.deps.database.models.Run.updateOne({ _id: failedId }, { $set: { outputsPrunedAt: new Date() } });
    const pruned = await rejection(h.caller.runs.replay({ id: failedId, from: 'failure' }));
    expect(pruned.code).toBe('PRECONDITION_FAILED');
    expect(pruned.message).toContain('removed by retention');
    expect((await h.caller.runs.get({ id: failedId })).outputsPrunedAt).toBeInstanceOf(Date);
    expect((await h.caller.runs.replay({ id: failedId, from: 'start' })).status).toBe('queued');
    expect((await rejection(h.caller.runs.replay({ id: '0123456789abcdef01234567' }))).code).toBe(
      'NOT_FOUND',
    );
  });

  it('cancels a queued run at once, asks a running one to stop, refuses a finished one', async () => {
    const { scenario } = await publishedManualScenario(h.caller, 'Cancelled');
    const failedId = await finishedRun(h, scenario);
    const queued = await h.caller.runs.replay({ id: failedId });
    const cancelled = await h.caller.runs.cancel({ id: queued.id });
    expect(cancelled.outcome).toBe('cancelled');
    expect(cancelled.run).toMatchObject({ status: 'cancelled', cancelRequested: true });
    expect((await h.caller.runs.cancel({ id: queued.id })).outcome).toBe('cancelled');

    const running = await h.caller.runs.replay({ id: failedId });
    await h.db.models.Run.updateOne({ _id: toObjectId(running.id) }, { $set: { status: 'running' } }).exec();
    const requested = await h.caller.runs.cancel({ id: running.id });
    expect(requested.outcome).toBe('requested');
    expect(requested.run).toMatchObject({ status: 'running', cancelRequested: true });

    const finished = await rejection(h.caller.runs.cancel({ id: failedId }));
    expect(finished.code).toBe('CONFLICT');
    expect(finished.message).toContain('already finished (failed)');
  });

  it('onChange (in-process) starts with the run’s state and follows it', async () => {
    const { scenario } = await publishedManualScenario(h.caller, 'Watched');
    const failedId = await finishedRun(h, scenario);
    const replay = await h.caller.runs.replay({ id: failedId });
    const controller = new AbortController();
    const watching = callerFor(h.deps, h.token, controller.signal);
    const events = await watching.runs.onChange({ runId: replay.id });
    const iterator = events[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value).toMatchObject({ runId: replay.id, status: 'queued', scenarioId: scenario.id });
    await h.caller.runs.cancel({ id: replay.id });
    const next = await iterator.next();
    expect(next.value).toMatchObject({ runId: replay.id, status: 'cancelled' });
    controller.abort();
    expect((await iterator.next()).done).toBe(true);
  });
});

describe('deliveries', () => {
  it('lists and gets deliveries with verification outcome and runs; redelivers to matching scenarios', async () => {
    const app = await createSignedApp(h, { scheme: 'github' });
    const matching = await webhookScenario(h, app.id, { filter: 'body.kind = "order"' });
    const other = await webhookScenario(h, app.id, { filter: 'body.kind = "refund"' });
    const posted = await postSigned(h, app, '{"kind":"order","id":1}', {
      headers: { authorization: 'Bearer partner-credential-1234' },
    });
    expect(posted.status).toBe(202);
    const page = await h.caller.deliveries.list({ appId: app.id });
    expect(page.items).toHaveLength(1);
    const summary = page.items[0]!;
    expect(summary).toMatchObject({
      appId: app.id,
      deliveryId: posted.json.deliveryId,
      deliveryIdSource: 'scheme',
      verification: 'verified',
      runIds: posted.json.runIds,
    });
    expect(summary).not.toHaveProperty('body');

    const delivery = await h.caller.deliveries.get({ id: summary.id });
    expect(delivery).toMatchObject({
      body: '{"kind":"order","id":1}',
      bodyEncoding: 'utf8',
      scheme: 'github',
      runs: [{ id: posted.json.runIds[0], scenarioId: matching, status: 'queued', kind: 'webhook' }],
    });
    expect(delivery.headers.authorization).toBe('[redacted]');

    const again = await h.caller.deliveries.redeliver({ id: summary.id });
    expect(again.scenarioIds).toEqual([matching]);
    expect(again.runIds).toHaveLength(1);
    expect(again.notMatched).toEqual([]);
    const run = await h.caller.runs.get({ id: again.runIds[0]! });
    expect(run).toMatchObject({
      status: 'queued',
      trigger: { kind: 'redelivery', deliveryId: summary.id },
      correlationId: posted.json.deliveryId,
      input: { body: { kind: 'order', id: 1 } },
    });
    expect(await jobCount(again.runIds[0]!)).toBe(1);
    const after = await h.caller.deliveries.get({ id: summary.id });
    expect(after.runIds).toEqual([...posted.json.runIds, ...again.runIds]);
    expect(after.runs.map((r) => r.kind)).toEqual(['webhook', 'redelivery']);

    const chosen = await h.caller.deliveries.redeliver({ id: summary.id, scenarioIds: [other] });
    expect(chosen).toMatchObject({ runIds: [], notMatched: [other] });
    expect((await rejection(h.caller.deliveries.get({ id: '0123456789abcdef01234567' }))).code).toBe(
      'NOT_FOUND',
    );
  });

  it('pages deliveries newest first', async () => {
    const app = await createSignedApp(h, { scheme: 'github' });
    for (let i = 0; i < 5; i++) await postSigned(h, app, `{"i":${i}}`);
    const first = await h.caller.deliveries.list({ appId: app.id, limit: 2 });
    const second = await h.caller.deliveries.list({ appId: app.id, limit: 2, cursor: first.nextCursor });
    const third = await h.caller.deliveries.list({ appId: app.id, limit: 2, cursor: second.nextCursor });
    const ids = [...first.items, ...second.items, ...third.items].map((d) => d.id);
    expect(new Set(ids).size).toBe(5);
    expect(third.nextCursor).toBeNull();
  });
});

describe('registry and system', () => {
  it('serves the node catalog and signature schemes', async () => {
    const nodes = await h.caller.registry.nodes();
    const http = nodes.find((n) => n.type === 'http.request')!;
    expect(http).toMatchObject({ title: expect.any(String), category: expect.any(String), version: 2 });
    expect(http.configJsonSchema).toMatchObject({ type: 'object' });
    expect(http.exampleConfig).toBeTruthy();
    expect(nodes.find((n) => n.type === 'condition')?.outputs.map((o) => o.id)).toEqual(['true', 'false']);
    const schemes = await h.caller.registry.signatureSchemes();
    expect(schemes.schemes.map((s) => s.scheme)).toContain('standard-webhooks');
    expect(schemes.configJsonSchema).toMatchObject({ type: 'object' });
  });

  it('health and info as on the HTTP routes, without a token', async () => {
    const anonymous = callerFor(h.deps, null);
    const health = await anonymous.system.health();
    expect(health).toMatchObject({ status: 'ok', checks: { database: { ok: true }, queue: { ok: true } } });
    const info = await anonymous.system.info();
    expect(info.name).toBe('@weft/api');
    expect(info.nodeTypes.length).toBeGreaterThan(5);
    expect((await rejection(anonymous.registry.nodes())).code).toBe('UNAUTHORIZED');
  });
});
