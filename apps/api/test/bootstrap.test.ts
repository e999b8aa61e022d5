import { connectDatabase, type Database, findActiveToken } from '@weft/db';
import { testDatabase } from '@weft/devdb/test-db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBootstrapToken } from '../src/bootstrap.js';

let db: Database;
const target = testDatabase();
beforeAll(async () => {
  db = await connectDatabase(target.serverUri, { dbName: target.dbName });
});
afterAll(async () => {
  await db.connection.dropDatabase();
  await db.close();
});

describe('bootstrap token', () => {
  it('first start creates a workspace and a token, shown once; later starts create nothing', async () => {
    const first = await ensureBootstrapToken(db.models, null);
    expect(first.kind).toBe('created');
    if (first.kind !== 'created') return;
    expect(first.token).toMatch(/^weft_/);
    const stored = await findActiveToken(db.models, first.token);
    expect(stored?.workspaceId.toHexString()).toBe(first.workspaceId);
    expect(JSON.stringify(await db.models.ApiToken.find().lean().exec())).not.toContain(first.token);

    expect(await ensureBootstrapToken(db.models, null)).toEqual({ kind: 'existing' });
    expect(await db.models.ApiToken.countDocuments()).toBe(1);
    expect(await db.models.Workspace.countDocuments()).toBe(1);
  });

  it('WEFT_BOOTSTRAP_TOKEN is registered for the first workspace, once', async () => {
    const configured = 'weft_configured_token_0123456789';
    const registered = await ensureBootstrapToken(db.models, configured);
    expect(registered.kind).toBe('registered');
    expect(await findActiveToken(db.models, configured)).not.toBeNull();
    expect(await ensureBootstrapToken(db.models, configured)).toEqual({ kind: 'existing' });
    expect(await db.models.Workspace.countDocuments()).toBe(1);
  });
});
