import { createKeyring, generateSecretKey } from '@weft/core/secrets';
import { describe, expect, it } from 'vitest';
import {
  AppKeyTakenError,
  createApp,
  createConnection,
  findAppByKey,
  newObjectId,
  readConnectionSecrets,
  setConnectionSecrets,
  toConnectionView,
} from '../src/index.js';
import { useDatabase } from './setup.js';

const ctx = useDatabase();
const keyring = createKeyring({ current: 'k1', keys: { k1: generateSecretKey() } });

describe('apps and connections', () => {
  it('app keys are unique across workspaces', async () => {
    const app = await createApp(ctx.db.models, newObjectId(), {
      key: 'shop',
      name: 'Shop',
      signature: { scheme: 'shopify' },
    });
    expect((await findAppByKey(ctx.db.models, 'shop'))?._id.toHexString()).toBe(app._id.toHexString());
    await expect(
      createApp(ctx.db.models, newObjectId(), {
        key: 'shop',
        name: 'Other',
        signature: { scheme: 'github' },
      }),
    ).rejects.toBeInstanceOf(AppKeyTakenError);
  });

  it('stores secrets encrypted, shows only a hint, decrypts for its own workspace, and rotates', async () => {
    const workspaceId = newObjectId();
    const app = await createApp(ctx.db.models, workspaceId, {
      key: 'gh',
      name: 'GitHub',
      signature: { scheme: 'github' },
    });
    const secret = 'super-secret-webhook-value-123456';
    const doc = await createConnection(ctx.db.models, keyring, workspaceId, {
      appId: app._id.toHexString(),
      name: 'main',
      secrets: { webhookSecret: secret },
    });
    const raw = await ctx.db.models.Connection.collection.findOne({ _id: doc._id });
    expect(JSON.stringify(raw)).not.toContain(secret);
    const view = toConnectionView(doc);
    expect(view).toMatchObject({ hasSecret: true });
    expect(JSON.stringify(view)).not.toContain(secret);
    expect(view.secretHint).toMatch(/^webhookSecret=/);
    expect((await findAppByKey(ctx.db.models, 'gh'))?.defaultConnectionId?.toHexString()).toBe(
      doc._id.toHexString(),
    );

    expect(await readConnectionSecrets(ctx.db.models, keyring, workspaceId, doc._id)).toEqual({
      webhookSecret: secret,
    });
    expect(await readConnectionSecrets(ctx.db.models, keyring, newObjectId(), doc._id)).toBeNull();

    expect(
      await setConnectionSecrets(ctx.db.models, keyring, workspaceId, doc._id.toHexString(), {
        webhookSecret: 'rotated-value-abcdefghijkl',
      }),
    ).toBe(true);
    expect(await readConnectionSecrets(ctx.db.models, keyring, workspaceId, doc._id)).toEqual({
      webhookSecret: 'rotated-value-abcdefghijkl',
    });
  });
});
