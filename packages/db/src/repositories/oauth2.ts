import type { OAuth2Config, OAuth2Tokens, OAuth2View } from '@weft/core';
import { decryptSecret, encryptSecret, type Keyring } from '@weft/core/secrets';
import type { Types } from 'mongoose';
import { toObjectId } from '../ids.js';
import type { ConnectionDoc, EncryptedSecretDoc, Models, OAuth2Doc } from '../models.js';

/** Binds token ciphertext to its connection, apart from the connection's secrets. */
export function oauth2TokensAad(workspaceId: Types.ObjectId, connectionId: Types.ObjectId): string {
  return `connection-oauth2:${workspaceId.toHexString()}:${connectionId.toHexString()}`;
}

function pendingAad(workspaceId: Types.ObjectId, connectionId: Types.ObjectId): string {
  return `connection-oauth2-pending:${workspaceId.toHexString()}:${connectionId.toHexString()}`;
}

/** A configuration with no token yet. */
export function freshOAuth2(config: OAuth2Config): OAuth2Doc {
  return {
    config,
    status: 'not_connected',
    version: 0,
    tokens: null,
    expiresAt: null,
    obtainedAt: null,
    hasRefreshToken: false,
    lastError: null,
    lease: null,
    pending: null,
  };
}

export function toOAuth2View(doc: OAuth2Doc): OAuth2View {
  const { config } = doc;
  return {
    config: {
      grant: config.grant,
      clientId: config.clientId,
      tokenUrl: config.tokenUrl,
      authorizeUrl: config.authorizeUrl ?? null,
      scopes: config.scopes,
      audience: config.audience ?? null,
      clientAuth: config.clientAuth,
      refreshAheadSec: config.refreshAheadSec,
      expiredWhen: config.expiredWhen ?? null,
    },
    status: doc.status,
    expiresAt: doc.expiresAt,
    obtainedAt: doc.obtainedAt,
    hasRefreshToken: doc.hasRefreshToken,
    lastError: doc.lastError,
  };
}

/** A connection's OAuth2 state as the runner uses it: the tokens decrypted. */
export interface OAuth2State {
  readonly config: OAuth2Config;
  readonly status: OAuth2Doc['status'];
  readonly version: number;
  readonly tokens: OAuth2Tokens | null;
  readonly lease: OAuth2Doc['lease'];
  readonly lastError: string | null;
}

/** The OAuth2 state of a workspace's connection; null when it does not exist or uses no OAuth2. */
export async function readOAuth2State(
  models: Models,
  keyring: Keyring,
  workspaceId: Types.ObjectId,
  connectionId: string | Types.ObjectId,
): Promise<OAuth2State | null> {
  const _id = toObjectId(connectionId, 'connectionId');
  const doc = await models.Connection.findOne({ _id, workspaceId }, { oauth2: 1 })
    .lean<Pick<ConnectionDoc, 'oauth2'>>()
    .exec();
  const oauth2 = doc?.oauth2;
  if (!oauth2) return null;
  const plain = oauth2.tokens
    ? decryptSecret(keyring, oauth2.tokens, oauth2TokensAad(workspaceId, _id))
    : null;
  // Stored as one JSON string: the envelope holds strings only, an expiry is a number.
  const tokens = typeof plain === 'string' ? (JSON.parse(plain) as OAuth2Tokens) : null;
  return {
    config: oauth2.config,
    status: oauth2.status,
    version: oauth2.version,
    tokens,
    lease: oauth2.lease,
    lastError: oauth2.lastError,
  };
}

/**
 * Claims the right to ask the token endpoint, for `leaseMs`: only when the tokens are still at
 * `version` (nobody renewed them since they were read) and nobody else holds an unexpired claim.
 * A compare-and-set on the connection document, so of runners asking at once exactly one wins.
 */
export async function claimOAuth2Refresh(
  models: Models,
  workspaceId: Types.ObjectId,
  connectionId: Types.ObjectId,
  claim: { holder: string; version: number; leaseMs: number; now?: Date },
): Promise<boolean> {
  const now = claim.now ?? new Date();
  const result = await models.Connection.updateOne(
    {
      _id: connectionId,
      workspaceId,
      'oauth2.version': claim.version,
      $or: [{ 'oauth2.lease': null }, { 'oauth2.lease.until': { $lte: now } }],
    },
    { $set: { 'oauth2.lease': { holder: claim.holder, until: new Date(now.getTime() + claim.leaseMs) } } },
    { timestamps: false },
  );
  return result.modifiedCount === 1;
}

/**
 * Stores new tokens (encrypted) and bumps the version. With `holder`, only while that claim is
 * still held (a claimant whose lease ran out stores nothing: another may have renewed since).
 */
export async function storeOAuth2Tokens(
  models: Models,
  keyring: Keyring,
  workspaceId: Types.ObjectId,
  connectionId: Types.ObjectId,
  tokens: OAuth2Tokens,
  options: { holder?: string; now?: Date } = {},
): Promise<boolean> {
  const now = options.now ?? new Date();
  const envelope = encryptSecret(
    keyring,
    JSON.stringify(tokens),
    oauth2TokensAad(workspaceId, connectionId),
  ) as EncryptedSecretDoc;
  const before = await models.Connection.findOneAndUpdate(
    {
      _id: connectionId,
      workspaceId,
      oauth2: { $ne: null },
      ...(options.holder ? { 'oauth2.lease.holder': options.holder } : {}),
    },
    {
      $set: {
        'oauth2.tokens': envelope,
        'oauth2.status': 'connected',
        'oauth2.expiresAt': tokens.expiresAt === null ? null : new Date(tokens.expiresAt),
        'oauth2.obtainedAt': now,
        'oauth2.hasRefreshToken': tokens.refreshToken !== null,
        'oauth2.lastError': null,
        'oauth2.lease': null,
      },
      $inc: { 'oauth2.version': 1 },
    },
    { returnDocument: 'before', projection: { 'oauth2.lastError': 1 }, timestamps: false },
  )
    .lean<Pick<ConnectionDoc, 'oauth2'>>()
    .exec();
  if (!before) return false;
  await endOAuth2HealthFailure(models, workspaceId, connectionId, before, {
    status: 'ok',
    checkedAt: now,
    lastError: null,
  });
  return true;
}

/** A health failure that was the connection's OAuth2 failure is over (any other stays as it is). */
async function endOAuth2HealthFailure(
  models: Models,
  workspaceId: Types.ObjectId,
  connectionId: Types.ObjectId,
  before: Pick<ConnectionDoc, 'oauth2'>,
  health: ConnectionDoc['health'],
): Promise<void> {
  const previous = before.oauth2?.lastError;
  if (!previous) return;
  await models.Connection.updateOne(
    { _id: connectionId, workspaceId, 'health.status': 'failing', 'health.lastError': previous },
    { $set: { health } },
    { timestamps: false },
  );
}

/** Gives a claim back without new tokens (the token endpoint could not be reached; try again later). */
export async function releaseOAuth2Refresh(
  models: Models,
  workspaceId: Types.ObjectId,
  connectionId: Types.ObjectId,
  holder: string,
): Promise<void> {
  await models.Connection.updateOne(
    { _id: connectionId, workspaceId, 'oauth2.lease.holder': holder },
    { $set: { 'oauth2.lease': null } },
    { timestamps: false },
  );
}

/**
 * The token endpoint refused the grant: the tokens are dropped, the connection is `failing` with
 * `message` (saying to reconnect) until a person reconnects it. Bumps the version, so runners
 * waiting for this refresh read the verdict instead of trying again.
 */
export async function failOAuth2Connection(
  models: Models,
  workspaceId: Types.ObjectId,
  connectionId: Types.ObjectId,
  message: string,
  options: { holder?: string; now?: Date } = {},
): Promise<boolean> {
  const now = options.now ?? new Date();
  const result = await models.Connection.updateOne(
    {
      _id: connectionId,
      workspaceId,
      oauth2: { $ne: null },
      ...(options.holder ? { 'oauth2.lease.holder': options.holder } : {}),
    },
    {
      $set: {
        'oauth2.tokens': null,
        'oauth2.status': 'failing',
        'oauth2.expiresAt': null,
        'oauth2.hasRefreshToken': false,
        'oauth2.lastError': message,
        'oauth2.lease': null,
        health: { status: 'failing', checkedAt: now, lastError: message },
      },
      $inc: { 'oauth2.version': 1 },
    },
    { timestamps: false },
  );
  return result.modifiedCount === 1;
}

/** Forgets the tokens and any verdict: the next use asks the token endpoint afresh (client secret changed). */
export async function resetOAuth2Tokens(
  models: Models,
  workspaceId: Types.ObjectId,
  connectionId: Types.ObjectId,
): Promise<void> {
  const before = await models.Connection.findOneAndUpdate(
    { _id: connectionId, workspaceId, oauth2: { $ne: null } },
    {
      $set: {
        'oauth2.tokens': null,
        'oauth2.status': 'not_connected',
        'oauth2.expiresAt': null,
        'oauth2.obtainedAt': null,
        'oauth2.hasRefreshToken': false,
        'oauth2.lastError': null,
      },
      $inc: { 'oauth2.version': 1 },
    },
    { returnDocument: 'before', projection: { 'oauth2.lastError': 1 }, timestamps: false },
  )
    .lean<Pick<ConnectionDoc, 'oauth2'>>()
    .exec();
  if (before) {
    await endOAuth2HealthFailure(models, workspaceId, connectionId, before, {
      status: 'unknown',
      checkedAt: null,
      lastError: null,
    });
  }
}

/** Remembers an authorization a person was sent to make: its `state` and PKCE verifier (encrypted). */
export async function startOAuth2Authorization(
  models: Models,
  keyring: Keyring,
  workspaceId: Types.ObjectId,
  connectionId: Types.ObjectId,
  pending: { state: string; codeVerifier: string; redirectUri: string; expiresAt: Date },
): Promise<boolean> {
  const verifier = encryptSecret(
    keyring,
    pending.codeVerifier,
    pendingAad(workspaceId, connectionId),
  ) as EncryptedSecretDoc;
  const result = await models.Connection.updateOne(
    { _id: connectionId, workspaceId, 'oauth2.config.grant': 'authorization_code' },
    {
      $set: {
        'oauth2.pending': {
          state: pending.state,
          verifier,
          redirectUri: pending.redirectUri,
          expiresAt: pending.expiresAt,
        },
      },
    },
    { timestamps: false },
  );
  return result.matchedCount === 1;
}

export interface TakenAuthorization {
  readonly workspaceId: Types.ObjectId;
  readonly connectionId: Types.ObjectId;
  readonly appId: Types.ObjectId;
  readonly config: OAuth2Config;
  readonly codeVerifier: string;
  readonly redirectUri: string;
}

/**
 * The pending authorization of `state`, removed in the same write: a callback (or a replayed
 * one) can use it once. Null when unknown or expired.
 */
export async function takeOAuth2Authorization(
  models: Models,
  keyring: Keyring,
  state: string,
  now = new Date(),
): Promise<TakenAuthorization | null> {
  const doc = await models.Connection.findOneAndUpdate(
    { 'oauth2.pending.state': state },
    { $set: { 'oauth2.pending': null } },
    { returnDocument: 'before', lean: true, timestamps: false },
  ).exec();
  const pending = (doc as ConnectionDoc | null)?.oauth2?.pending;
  if (!doc || !pending || !doc.oauth2 || pending.expiresAt.getTime() <= now.getTime()) return null;
  const codeVerifier = decryptSecret(keyring, pending.verifier, pendingAad(doc.workspaceId, doc._id));
  if (typeof codeVerifier !== 'string') return null;
  return {
    workspaceId: doc.workspaceId,
    connectionId: doc._id,
    appId: doc.appId,
    config: doc.oauth2.config,
    codeVerifier,
    redirectUri: pending.redirectUri,
  };
}
