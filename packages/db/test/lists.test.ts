import { describe, expect, it } from 'vitest';
import {
  AppInUseError,
  archiveScenario,
  createApiToken,
  createApp,
  createScenario,
  deleteApp,
  duplicateScenario,
  findScenario,
  insertDeliveryOnce,
  listApiTokens,
  listDeliveries,
  listScenarios,
  listScenarioVersions,
  newObjectId,
  publishScenario,
  revokeApiToken,
  setScenarioEnabled,
} from '../src/index.js';
import { useDatabase } from './setup.js';

const ctx = useDatabase();

describe('workspace lists', () => {
  it('lists scenarios by enabled, app and name; archiving hides them; duplicates are fresh drafts', async () => {
    const ws = newObjectId();
    const app = await createApp(ctx.db.models, ws, {
      key: 'lists-app',
      name: 'A',
      signature: { scheme: 'github' },
    });
    const hook = {
      id: 'hook',
      type: 'trigger.webhook',
      version: 1,
      config: { appId: app._id.toHexString() },
    };
    const orders = await createScenario(ctx.db.models, ws, {
      name: 'Orders sync',
      draft: { nodes: [hook], edges: [] },
    });
    await createScenario(ctx.db.models, ws, { name: 'Refunds', draft: { nodes: [], edges: [] } });
    await publishScenario(ctx.db.models, ws, orders._id.toHexString());
    await setScenarioEnabled(ctx.db.models, ws, orders._id.toHexString(), true);

    const names = async (q: Partial<Parameters<typeof listScenarios>[1]>) =>
      (await listScenarios(ctx.db.models, { workspaceId: ws, limit: 50, ...q })).items.map((s) => s.name);
    expect((await names({})).sort()).toEqual(['Orders sync', 'Refunds']);
    expect(await names({ enabled: true })).toEqual(['Orders sync']);
    expect(await names({ appId: app._id.toHexString() })).toEqual(['Orders sync']);
    expect(await names({ name: 'ORDERS' })).toEqual(['Orders sync']);
    expect(await names({ name: '.*' })).toEqual([]);
    expect((await listScenarios(ctx.db.models, { workspaceId: ws, limit: 50 })).items[0]).not.toHaveProperty(
      'draft',
    );

    await expect(deleteApp(ctx.db.models, ws, app._id.toHexString())).rejects.toThrow(
      new AppInUseError(['Orders sync']),
    );

    const copy = await duplicateScenario(ctx.db.models, ws, orders._id.toHexString());
    expect(copy).toMatchObject({
      name: 'Orders sync (copy)',
      enabled: false,
      version: 0,
      publishedVersionId: null,
    });
    expect(copy?.draft.nodes).toEqual(orders.draft.nodes);
    expect(
      (await listScenarioVersions(ctx.db.models, ws, orders._id.toHexString())).map((v) => v.version),
    ).toEqual([1]);

    await archiveScenario(ctx.db.models, ws, orders._id.toHexString());
    await archiveScenario(ctx.db.models, ws, copy!._id.toHexString());
    expect(await findScenario(ctx.db.models, ws, orders._id.toHexString())).toBeNull();
    expect(await names({})).toEqual(['Refunds']);
    expect(await deleteApp(ctx.db.models, ws, app._id.toHexString())).toBe(true);
  });

  it('lists deliveries newest first without bodies, and tokens without hashes', async () => {
    const ws = newObjectId();
    const appId = newObjectId();
    for (let i = 0; i < 3; i++) {
      await insertDeliveryOnce(ctx.db.models, {
        workspaceId: ws,
        appId,
        deliveryId: `d${i}`,
        deliveryIdSource: 'scheme',
        method: 'POST',
        headers: { 'x-secret-ish': 'v' },
        contentType: 'text/plain',
        body: `body ${i}`,
        bodyEncoding: 'utf8',
        sizeBytes: 6,
        receivedAt: new Date(Date.UTC(2030, 0, 1, 0, 0, i)),
        runIds: [],
      });
    }
    const page = await listDeliveries(ctx.db.models, { workspaceId: ws, limit: 2 });
    expect(page.items.map((d) => d.deliveryId)).toEqual(['d2', 'd1']);
    expect(page.items[0]).not.toHaveProperty('body');
    expect(page.items[0]).not.toHaveProperty('headers');
    const rest = await listDeliveries(ctx.db.models, { workspaceId: ws, limit: 2, cursor: page.nextCursor });
    expect(rest.items.map((d) => d.deliveryId)).toEqual(['d0']);

    const { doc } = await createApiToken(ctx.db.models, ws, 'ci');
    const tokens = await listApiTokens(ctx.db.models, ws);
    expect(tokens).toHaveLength(1);
    expect(tokens[0]).not.toHaveProperty('tokenHash');
    expect(await revokeApiToken(ctx.db.models, newObjectId(), doc._id.toHexString())).toBe(false);
    expect(await revokeApiToken(ctx.db.models, ws, doc._id.toHexString())).toBe(true);
    expect((await listApiTokens(ctx.db.models, ws))[0]?.revokedAt).toBeInstanceOf(Date);
  });
});
