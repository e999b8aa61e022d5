import { type Connection, type CreateConnectionInput, createConnectionInput, type OAuth2Config } from '@weft/core';
import { decryptSecret, encryptSecret, type Keyring, maskSecret } from '@weft/core/secrets';
import type { Types } from 'mongoose';
import { newObjectId, toObjectId } from '../ids.js';
import type { ConnectionDoc, EncryptedSecretDoc, Models } from '../models.js';
import { freshOAuth2, resetOAuth2Tokens, toOAuth2View } from './oauth2.js';

/** Binds a connection's ciphertext to its owner: copied onto another document, it fails to decrypt. */
export function connectionSecretAad(workspaceId: Types.ObjectId, connectionId: Types.ObjectId): string {
  return `connection:${workspaceId.toHexString()}:${connectionId.toHexString()}`;
}

/** A hint naming the secret keys, each masked: enough to recognise, never enough to use. */
function hintOf(secrets: Record<string, string>): string {
  return Object.entries(secrets)
    .map(([key, value]) => `${key}=${maskSecret(value)}`)
    .join(', ');
}

export async function createConnection(
  models: Models,
  keyring: Keyring,
  workspaceId: Types.ObjectId,
  input: CreateConnectionInput,
  now = new Date(),
): Promise<ConnectionDoc> {
  const parsed = createConnectionInput.parse(input);
  const _id = newObjectId();
  const doc: ConnectionDoc = {
    _id,
    workspaceId,
    appId: toObjectId(parsed.appId, 'appId'),
    name: parsed.name,
    metadata: parsed.metadata,
    status: 'active',
    health: { status: 'unknown', checkedAt: null, lastError: null },
    secrets: parsed.secrets
      ? (encryptSecret(keyring, parsed.secrets, connectionSecretAad(workspaceId, _id)) as EncryptedSecretDoc)
      : null,
    secretHint: parsed.secrets ? hintOf(parsed.secrets) : null,
    rotatedAt: parsed.secrets ? now : null,
    rateLimitPerSec: parsed.rateLimitPerSec,
    oauth2: parsed.oauth2 ? freshOAuth2(parsed.oauth2) : null,
    createdAt: now,
    updatedAt: now,
  };
  await models.Connection.collection.insertOne(doc);
  if (parsed.makeDefault) {
    await models.App.updateOne({ _id: doc.appId, workspaceId }, { $set: { defaultConnectionId: _id } });
  }
  return doc;
}

/**
 * Replaces a connection's secrets (rotation); returns false when no such connection exists.
 * An OAuth2 connection forgets its tokens: a new client secret is a reconnect.
 */
export async function setConnectionSecrets(
  models: Models,
  keyring: Keyring,
  workspaceId: Types.ObjectId,
  connectionId: string,
  secrets: Record<string, string>,
  now = new Date(),
): Promise<boolean> {
  const _id = toObjectId(connectionId, 'connectionId');
  const result = await models.Connection.updateOne(
    { _id, workspaceId },
    {
      $set: {
        secrets: encryptSecret(keyring, secrets, connectionSecretAad(workspaceId, _id)),
        secretHint: hintOf(secrets),
        rotatedAt: now,
        updatedAt: now,
      },
    },
    { timestamps: false },
  );
  if (result.matchedCount > 0) await resetOAuth2Tokens(models, workspaceId, _id);
  return result.matchedCount > 0;
}

/** The decrypted secrets of a workspace's connection, or null when it has none or does not exist. */
export async function readConnectionSecrets(
  models: Models,
  keyring: Keyring,
  workspaceId: Types.ObjectId,
  connectionId: string | Types.ObjectId,
): Promise<Record<string, string> | null> {
  const _id = toObjectId(connectionId, 'connectionId');
  const doc = await models.Connection.findOne({ _id, workspaceId }, { secrets: 1 })
    .lean<Pick<ConnectionDoc, 'secrets'>>()
    .exec();
  if (!doc?.secrets) return null;
  const plain = decryptSecret(keyring, doc.secrets, connectionSecretAad(workspaceId, _id));
  return typeof plain === 'string' ? { value: plain } : plain;
}

/** The connection as the API shows it: never the secrets, only whether they exist and a hint. */
export function toConnectionView(doc: ConnectionDoc): Connection {
  return {
    id: doc._id.toHexString(),
    workspaceId: doc.workspaceId.toHexString(),
    appId: doc.appId.toHexString(),
    name: doc.name,
    metadata: doc.metadata,
    status: doc.status,
    health: doc.health,
    hasSecret: doc.secrets !== null,
    secretHint: doc.secretHint,
    rotatedAt: doc.rotatedAt,
    rateLimitPerSec: doc.rateLimitPerSec,
    oauth2: doc.oauth2 ? toOAuth2View(doc.oauth2) : null,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

export function listConnections(models: Models, workspaceId: Types.ObjectId, appId?: Types.ObjectId) {
  return models.Connection.find({ workspaceId, ...(appId ? { appId } : {}) })
    .sort({ name: 1, _id: 1 })
    .lean<ConnectionDoc[]>()
    .exec();
}

export function findConnection(models: Models, workspaceId: Types.ObjectId, connectionId: string) {
  return models.Connection.findOne({ _id: toObjectId(connectionId, 'connectionId'), workspaceId })
    .lean<ConnectionDoc>()
    .exec();
}

export async function updateConnection(
  models: Models,
  workspaceId: Types.ObjectId,
  connectionId: string,
  changes: Partial<Pick<ConnectionDoc, 'name' | 'metadata' | 'status' | 'rateLimitPerSec'>> & {
    /** A new OAuth2 configuration starts without tokens; null removes OAuth2. */
    oauth2?: OAuth2Config | null;
  },
  now = new Date(),
): Promise<ConnectionDoc | null> {
  const set: Record<string, unknown> = { updatedAt: now };
  for (const [key, value] of Object.entries(changes)) if (value !== undefined) set[key] = value;
  if (changes.oauth2 !== undefined) set.oauth2 = changes.oauth2 === null ? null : freshOAuth2(changes.oauth2);
  return models.Connection.findOneAndUpdate(
    { _id: toObjectId(connectionId, 'connectionId'), workspaceId },
    { $set: set },
    {
      returnDocument: 'after',
      lean: true,
      timestamps: false,
    },
  ).exec() as Promise<ConnectionDoc | null>;
}

/** Records the outcome of a connection's health check. */
export async function recordConnectionHealth(
  models: Models,
  workspaceId: Types.ObjectId,
  connectionId: string,
  health: { ok: boolean; error?: string },
  now = new Date(),
) {
  const status: ConnectionDoc['health'] = {
    status: health.ok ? 'ok' : 'failing',
    checkedAt: now,
    lastError: health.ok ? null : (health.error ?? 'unknown error'),
  };
  return models.Connection.findOneAndUpdate(
    { _id: toObjectId(connectionId, 'connectionId'), workspaceId },
    { $set: { health: status } },
    { returnDocument: 'after', lean: true, timestamps: false },
  ).exec() as Promise<ConnectionDoc | null>;
}

/** A connection's status only: whether the webhooks of its app are refused (`disabled`). */
export function findConnectionStatus(
  models: Models,
  workspaceId: Types.ObjectId,
  connectionId: Types.ObjectId,
) {
  return models.Connection.findOne({ _id: connectionId, workspaceId }, { status: 1 })
    .lean<{ status: string }>()
    .exec();
}

/** The workspace's connections of `ids`, with their names and whether they have OAuth2 configured. */
export function findConnectionsOAuth2(
  models: Models,
  workspaceId: Types.ObjectId,
  ids: readonly Types.ObjectId[],
) {
  return models.Connection.find({ _id: { $in: [...ids] }, workspaceId }, { name: 1, oauth2: 1 })
    .lean<Pick<ConnectionDoc, '_id' | 'name' | 'oauth2'>[]>()
    .exec();
}

/** Every connection of the workspace by app and name (a scenario file's references). */
export function listConnectionNames(models: Models, workspaceId: Types.ObjectId) {
  return models.Connection.find({ workspaceId }, { appId: 1, name: 1 })
    .lean<Pick<ConnectionDoc, '_id' | 'appId' | 'name'>[]>()
    .exec();
}

/** A connection's outbound rate limit (requests per second), null or absent when unlimited. */
export function findConnectionRateLimit(
  models: Models,
  workspaceId: Types.ObjectId,
  connectionId: Types.ObjectId,
) {
  return models.Connection.findOne({ _id: connectionId, workspaceId }, { rateLimitPerSec: 1 })
    .lean<{ rateLimitPerSec?: number | null }>()
    .exec();
}
