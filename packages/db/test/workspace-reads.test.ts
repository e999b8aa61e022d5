import { createKeyring, generateSecretKey } from '@weft/core/secrets';
import { describe, expect, it } from 'vitest';
import {
  appExists,
  createApiToken,
  createApp,
  createConnection,
  createWorkspace,
  findApiToken,
  findApiTokenName,
  findAppSearchKeys,
  findAppSignature,
  findConnectionRateLimit,
  findConnectionStatus,
  findFirstWorkspaceId,
  findWorkspace,
  newObjectId,
} from '../src/index.js';
import { useDatabase } from './setup.js';

const ctx = useDatabase();
const keyring = createKeyring({ current: 'k1', keys: { k1: generateSecretKey() } });

// The reads the apps used to make on the models themselves: each finds its document in its own
// workspace only.
describe('workspace-scoped reads of apps, connections and tokens', () => {
  it('an app and its connection are read in their workspace and not from another', async () => {
    const workspaceId = newObjectId();
    const other = newObjectId();
    const app = await createApp(ctx.db.models, workspaceId, {
      key: 'scoped',
      name: 'Scoped',
      signature: { scheme: 'github' },
    });
    const connection = await createConnection(ctx.db.models, keyring, workspaceId, {
      appId: app._id.toHexString(),
      name: 'main',
      secrets: { webhookSecret: 's' },
      rateLimitPerSec: 5,
    });
    const { models } = ctx.db;
    expect((await findAppSignature(models, workspaceId, app._id))?.signature.scheme).toBe('github');
    expect(await findAppSignature(models, other, app._id)).toBeNull();
    const keys = await findAppSearchKeys(models, workspaceId, app._id);
    expect(keys?._id.toHexString()).toBe(app._id.toHexString());
    expect(await findAppSearchKeys(models, other, app._id)).toBeNull();
    expect(await appExists(models, workspaceId, app._id.toHexString())).toBe(true);
    expect(await appExists(models, other, app._id.toHexString())).toBe(false);
    expect((await findConnectionStatus(models, workspaceId, connection._id))?.status).toBe(connection.status);
    expect(await findConnectionStatus(models, other, connection._id)).toBeNull();
    expect((await findConnectionRateLimit(models, workspaceId, connection._id))?.rateLimitPerSec).toBe(5);
    expect(await findConnectionRateLimit(models, other, connection._id)).toBeNull();
  });

  it('a token is read without its hash, in its workspace only; the first workspace is the oldest', async () => {
    const workspace = await createWorkspace(ctx.db.models, 'Reads', new Date('2000-01-01T00:00:00Z'));
    expect((await findFirstWorkspaceId(ctx.db.models))?.toHexString()).toBe(workspace._id.toHexString());
    await createWorkspace(ctx.db.models, 'Later', new Date('2001-01-01T00:00:00Z'));
    expect((await findFirstWorkspaceId(ctx.db.models))?.toHexString()).toBe(workspace._id.toHexString());
    expect((await findWorkspace(ctx.db.models, workspace._id))?.name).toBe('Reads');
    const { doc } = await createApiToken(ctx.db.models, workspace._id, 'reader');
    const read = await findApiToken(ctx.db.models, workspace._id, doc._id);
    expect(read?.name).toBe('reader');
    expect(read && 'tokenHash' in read).toBe(false);
    expect(await findApiToken(ctx.db.models, newObjectId(), doc._id)).toBeNull();
    expect((await findApiTokenName(ctx.db.models, doc._id))?.name).toBe('reader');
  });
});
