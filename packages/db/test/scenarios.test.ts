import { describe, expect, it } from 'vitest';
import {
  createApiToken,
  createScenario,
  createWorkspace,
  findActiveToken,
  findWebhookScenarios,
  newObjectId,
  publishScenario,
  saveDraft,
  setScenarioEnabled,
} from '../src/index.js';
import { useDatabase } from './setup.js';

const ctx = useDatabase();
const workspaceId = newObjectId();
const appId = newObjectId();

function webhookGraph(message: string) {
  return {
    nodes: [
      { id: 'hook', type: 'trigger.webhook', version: 1, config: { appId: appId.toHexString() } },
      { id: 'log', type: 'logger', version: 1, config: { message } },
    ],
    edges: [{ id: 'e1', source: 'hook', target: 'log' }],
  };
}

describe('scenarios repository', () => {
  it('saves a draft against the current revision and refuses a stale one with the current revision', async () => {
    const scenario = await createScenario(ctx.db.models, workspaceId, { name: 'Orders' });
    expect(scenario.revision).toBe(0);
    expect(scenario.trigger).toEqual({ kind: 'none' });

    const first = await saveDraft(ctx.db.models, workspaceId, String(scenario._id), {
      revision: 0,
      draft: webhookGraph('a'),
    });
    expect(first.ok && first.scenario.revision).toBe(1);
    expect(first.ok && first.scenario.trigger).toEqual({
      kind: 'webhook',
      appId: appId.toHexString(),
      filter: null,
    });

    const stale = await saveDraft(ctx.db.models, workspaceId, String(scenario._id), {
      revision: 0,
      draft: webhookGraph('b'),
    });
    expect(stale).toEqual({ ok: false, reason: 'conflict', currentRevision: 1 });
    const stored = await ctx.db.models.Scenario.findById(scenario._id).lean();
    expect(stored?.draft.nodes[1]?.config).toEqual({ message: 'a' });

    const otherTenant = await saveDraft(ctx.db.models, newObjectId(), String(scenario._id), {
      revision: 1,
      draft: webhookGraph('c'),
    });
    expect(otherTenant).toEqual({ ok: false, reason: 'not_found' });
  });

  it('publishing freezes immutable versions; editing the draft later leaves them untouched', async () => {
    const scenario = await createScenario(ctx.db.models, workspaceId, {
      name: 'Pub',
      draft: webhookGraph('v1'),
    });
    const id = String(scenario._id);
    const v1 = await publishScenario(ctx.db.models, workspaceId, id);
    expect(v1.ok && v1.version.version).toBe(1);
    await saveDraft(ctx.db.models, workspaceId, id, { revision: 0, draft: webhookGraph('v2') });
    const v2 = await publishScenario(ctx.db.models, workspaceId, id);
    expect(v2.ok && v2.version.version).toBe(2);

    const versions = await ctx.db.models.ScenarioVersion.find({ scenarioId: scenario._id })
      .sort({ version: 1 })
      .lean();
    expect(versions.map((v) => v.nodes[1]?.config)).toEqual([{ message: 'v1' }, { message: 'v2' }]);
    const stored = await ctx.db.models.Scenario.findById(scenario._id).lean();
    expect(stored?.version).toBe(2);
    expect(String(stored?.publishedVersionId)).toBe(v2.ok ? String(v2.version._id) : '');
  });

  it('publishing checks the validated revision: a draft saved since is not published', async () => {
    const scenario = await createScenario(ctx.db.models, workspaceId, {
      name: 'Rev',
      draft: webhookGraph('r0'),
    });
    const id = String(scenario._id);
    await saveDraft(ctx.db.models, workspaceId, id, { revision: 0, draft: webhookGraph('r1') });
    expect(await publishScenario(ctx.db.models, workspaceId, id, { expectedRevision: 0 })).toEqual({
      ok: false,
      reason: 'conflict',
    });
    expect(await ctx.db.models.ScenarioVersion.countDocuments({ scenarioId: scenario._id })).toBe(0);
    const published = await publishScenario(ctx.db.models, workspaceId, id, { expectedRevision: 1 });
    expect(published.ok && published.version.nodes[1]?.config).toEqual({ message: 'r1' });
  });

  it('concurrent publishes never produce two versions with the same number', async () => {
    const scenario = await createScenario(ctx.db.models, workspaceId, {
      name: 'Race',
      draft: webhookGraph('x'),
    });
    const results = await Promise.all(
      Array.from({ length: 10 }, () => publishScenario(ctx.db.models, workspaceId, String(scenario._id))),
    );
    const versions = await ctx.db.models.ScenarioVersion.find({ scenarioId: scenario._id }).lean();
    expect(new Set(versions.map((v) => v.version)).size).toBe(versions.length);
    expect(results.filter((r) => r.ok).length).toBeGreaterThanOrEqual(1);
  });

  it('webhook matching finds enabled published scenarios of the app only', async () => {
    const ws = newObjectId();
    const published = await createScenario(ctx.db.models, ws, { name: 'On', draft: webhookGraph('on') });
    await publishScenario(ctx.db.models, ws, String(published._id));
    await setScenarioEnabled(ctx.db.models, ws, String(published._id), true);
    const disabled = await createScenario(ctx.db.models, ws, { name: 'Off', draft: webhookGraph('off') });
    await publishScenario(ctx.db.models, ws, String(disabled._id));
    const draftOnly = await createScenario(ctx.db.models, ws, {
      name: 'Draft',
      draft: webhookGraph('draft'),
    });
    await setScenarioEnabled(ctx.db.models, ws, String(draftOnly._id), true);

    const found = await findWebhookScenarios(ctx.db.models, ws, appId);
    expect(found.map((s) => s.name)).toEqual(['On']);
    expect(await findWebhookScenarios(ctx.db.models, ws, newObjectId())).toEqual([]);
  });
});

describe('api tokens', () => {
  it('stores only a hash and finds the workspace by the token until revoked', async () => {
    const ws = await createWorkspace(ctx.db.models, 'Acme');
    const { token, doc } = await createApiToken(ctx.db.models, ws._id, 'ci');
    expect(token).toMatch(/^weft_/);
    const raw = await ctx.db.models.ApiToken.collection.findOne({ _id: doc._id });
    expect(JSON.stringify(raw)).not.toContain(token);
    expect(String((await findActiveToken(ctx.db.models, token))?.workspaceId)).toBe(String(ws._id));
    expect(await findActiveToken(ctx.db.models, `${token}x`)).toBeNull();
    await ctx.db.models.ApiToken.updateOne({ _id: doc._id }, { $set: { revokedAt: new Date() } });
    expect(await findActiveToken(ctx.db.models, token)).toBeNull();
  });
});
