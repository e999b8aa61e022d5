import { createKeyring, generateSecretKey } from '@weft/core/secrets';
import { describe, expect, it } from 'vitest';
import {
  claimOAuth2Refresh,
  createApp,
  createConnection,
  failOAuth2Connection,
  findConnection,
  newObjectId,
  readOAuth2State,
  setConnectionSecrets,
  startOAuth2Authorization,
  storeOAuth2Tokens,
  takeOAuth2Authorization,
  toConnectionView,
} from '../src/index.js';
import { useDatabase } from './setup.js';

const ctx = useDatabase();
const keyring = createKeyring({ current: 'k1', keys: { k1: generateSecretKey() } });

async function oauthConnection(grant: 'client_credentials' | 'authorization_code' = 'client_credentials') {
  const workspaceId = newObjectId();
  const app = await createApp(ctx.db.models, workspaceId, {
    key: `crm-${newObjectId().toHexString()}`,
    name: 'CRM',
    signature: { scheme: 'generic' },
  });
  const connection = await createConnection(ctx.db.models, keyring, workspaceId, {
    appId: app._id.toHexString(),
    name: 'CRM',
    secrets: { clientSecret: 'client-secret' },
    makeDefault: false,
    oauth2: {
      grant,
      clientId: 'weft',
      tokenUrl: 'https://auth.example/token',
      authorizeUrl: 'https://auth.example/authorize',
    },
  });
  return { workspaceId, connectionId: connection._id };
}

const tokens = {
  accessToken: 'at-1',
  tokenType: 'Bearer',
  refreshToken: 'rt-1',
  expiresAt: 1_900_000_000_000,
};

describe('OAuth2 token state', () => {
  it('stores tokens encrypted and shows only their state', async () => {
    const { workspaceId, connectionId } = await oauthConnection();
    expect(await storeOAuth2Tokens(ctx.db.models, keyring, workspaceId, connectionId, tokens)).toBe(true);
    const raw = await ctx.db.models.Connection.collection.findOne({ _id: connectionId });
    expect(JSON.stringify(raw)).not.toContain('at-1');
    expect(JSON.stringify(raw)).not.toContain('rt-1');
    const state = await readOAuth2State(ctx.db.models, keyring, workspaceId, connectionId);
    expect(state).toMatchObject({ status: 'connected', version: 1, tokens });
    // Another workspace reads nothing.
    expect(await readOAuth2State(ctx.db.models, keyring, newObjectId(), connectionId)).toBeNull();
    const view = toConnectionView(
      (await findConnection(ctx.db.models, workspaceId, connectionId.toHexString()))!,
    );
    expect(view.oauth2).toMatchObject({
      status: 'connected',
      hasRefreshToken: true,
      expiresAt: new Date(tokens.expiresAt),
      config: { grant: 'client_credentials', clientId: 'weft' },
    });
    expect(JSON.stringify(view)).not.toContain('at-1');
  });

  it('of claims made at once exactly one wins; a claim for a version already renewed fails', async () => {
    const { workspaceId, connectionId } = await oauthConnection();
    const claims = await Promise.all(
      ['a', 'b', 'c', 'd'].map((holder) =>
        claimOAuth2Refresh(ctx.db.models, workspaceId, connectionId, { holder, version: 0, leaseMs: 30_000 }),
      ),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    const winner = ['a', 'b', 'c', 'd'][claims.indexOf(true)]!;
    const loser = ['a', 'b', 'c', 'd'].find((h) => h !== winner)!;
    // A loser cannot store over the winner's claim.
    expect(
      await storeOAuth2Tokens(ctx.db.models, keyring, workspaceId, connectionId, tokens, { holder: loser }),
    ).toBe(false);
    expect(
      await storeOAuth2Tokens(ctx.db.models, keyring, workspaceId, connectionId, tokens, { holder: winner }),
    ).toBe(true);
    // Renewed: a claim made for the old version is refused, one for the new version wins.
    expect(
      await claimOAuth2Refresh(ctx.db.models, workspaceId, connectionId, {
        holder: 'a',
        version: 0,
        leaseMs: 30_000,
      }),
    ).toBe(false);
    expect(
      await claimOAuth2Refresh(ctx.db.models, workspaceId, connectionId, {
        holder: 'a',
        version: 1,
        leaseMs: 30_000,
      }),
    ).toBe(true);
  });

  it('an expired claim can be taken over', async () => {
    const { workspaceId, connectionId } = await oauthConnection();
    const past = new Date(Date.now() - 60_000);
    expect(
      await claimOAuth2Refresh(ctx.db.models, workspaceId, connectionId, {
        holder: 'crashed',
        version: 0,
        leaseMs: 1_000,
        now: past,
      }),
    ).toBe(true);
    expect(
      await claimOAuth2Refresh(ctx.db.models, workspaceId, connectionId, {
        holder: 'next',
        version: 0,
        leaseMs: 30_000,
      }),
    ).toBe(true);
    expect(
      await storeOAuth2Tokens(ctx.db.models, keyring, workspaceId, connectionId, tokens, {
        holder: 'crashed',
      }),
    ).toBe(false);
  });

  it('a refused grant marks the connection failing with the message; new secrets reset it', async () => {
    const { workspaceId, connectionId } = await oauthConnection();
    await storeOAuth2Tokens(ctx.db.models, keyring, workspaceId, connectionId, tokens);
    await failOAuth2Connection(ctx.db.models, workspaceId, connectionId, 'refused; reconnect');
    const failing = (await findConnection(ctx.db.models, workspaceId, connectionId.toHexString()))!;
    expect(failing.health).toMatchObject({ status: 'failing', lastError: 'refused; reconnect' });
    expect(failing.oauth2).toMatchObject({
      status: 'failing',
      tokens: null,
      lastError: 'refused; reconnect',
    });
    await setConnectionSecrets(ctx.db.models, keyring, workspaceId, connectionId.toHexString(), {
      clientSecret: 'new',
    });
    const state = await readOAuth2State(ctx.db.models, keyring, workspaceId, connectionId);
    expect(state).toMatchObject({ status: 'not_connected', tokens: null, lastError: null });
    const reset = (await findConnection(ctx.db.models, workspaceId, connectionId.toHexString()))!;
    expect(reset.health).toMatchObject({ status: 'unknown', lastError: null });
    // A failure again, then connected: the OAuth2 failure is gone from the health too.
    await failOAuth2Connection(ctx.db.models, workspaceId, connectionId, 'refused again; reconnect');
    await storeOAuth2Tokens(ctx.db.models, keyring, workspaceId, connectionId, tokens);
    const healed = (await findConnection(ctx.db.models, workspaceId, connectionId.toHexString()))!;
    expect(healed.health).toMatchObject({ status: 'ok', lastError: null });
  });

  it('storing tokens leaves a health failure of another cause alone', async () => {
    const { workspaceId, connectionId } = await oauthConnection();
    await ctx.db.models.Connection.updateOne(
      { _id: connectionId },
      { $set: { health: { status: 'failing', checkedAt: new Date(), lastError: 'healthUrl answered 500' } } },
    );
    await storeOAuth2Tokens(ctx.db.models, keyring, workspaceId, connectionId, tokens);
    const doc = (await findConnection(ctx.db.models, workspaceId, connectionId.toHexString()))!;
    expect(doc.health).toMatchObject({ status: 'failing', lastError: 'healthUrl answered 500' });
  });

  it('a pending authorization is taken once, and not after it expired', async () => {
    const { workspaceId, connectionId } = await oauthConnection('authorization_code');
    const state = `st-${newObjectId().toHexString()}`;
    const pending = {
      state,
      codeVerifier: 'pkce-plain-value',
      redirectUri: 'https://w/cb',
      expiresAt: new Date(Date.now() + 60_000),
    };
    expect(await startOAuth2Authorization(ctx.db.models, keyring, workspaceId, connectionId, pending)).toBe(
      true,
    );
    const raw = await ctx.db.models.Connection.collection.findOne({ _id: connectionId });
    expect(JSON.stringify(raw)).not.toContain('pkce-plain-value');
    const [first, second] = await Promise.all([
      takeOAuth2Authorization(ctx.db.models, keyring, state),
      takeOAuth2Authorization(ctx.db.models, keyring, state),
    ]);
    expect([first, second].filter(Boolean)).toHaveLength(1);
    expect(first ?? second).toMatchObject({ codeVerifier: 'pkce-plain-value', redirectUri: 'https://w/cb' });
    const late = { ...pending, state: `${state}-late`, expiresAt: new Date(Date.now() - 1) };
    await startOAuth2Authorization(ctx.db.models, keyring, workspaceId, connectionId, late);
    expect(await takeOAuth2Authorization(ctx.db.models, keyring, late.state)).toBeNull();
  });

  it('a client-credentials connection cannot start an authorization', async () => {
    const { workspaceId, connectionId } = await oauthConnection('client_credentials');
    expect(
      await startOAuth2Authorization(ctx.db.models, keyring, workspaceId, connectionId, {
        state: 'x',
        codeVerifier: 'v',
        redirectUri: 'https://w/cb',
        expiresAt: new Date(Date.now() + 1_000),
      }),
    ).toBe(false);
  });
});
