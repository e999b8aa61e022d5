import { createHash, randomBytes } from 'node:crypto';
import type { Types } from 'mongoose';
import { newObjectId, toObjectId } from '../ids.js';
import type { ApiTokenDoc, Models, WorkspaceDoc } from '../models.js';

const TOKEN_PREFIX = 'weft_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function generateToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export async function createWorkspace(models: Models, name: string, now = new Date()): Promise<WorkspaceDoc> {
  const doc: WorkspaceDoc = { _id: newObjectId(), name, createdAt: now, updatedAt: now };
  await models.Workspace.collection.insertOne(doc);
  return doc;
}

/**
 * Creates a bearer token. The token is returned once; only its SHA-256 is stored (a token is
 * 256 random bits, so a fast hash is enough: there is nothing to brute-force).
 */
export async function createApiToken(
  models: Models,
  workspaceId: Types.ObjectId,
  name: string,
  token = generateToken(),
  now = new Date(),
): Promise<{ token: string; doc: ApiTokenDoc }> {
  const doc: ApiTokenDoc = {
    _id: newObjectId(),
    workspaceId,
    name,
    tokenHash: hashToken(token),
    prefix: token.slice(0, TOKEN_PREFIX.length + 6),
    createdAt: now,
    lastUsedAt: null,
    revokedAt: null,
  };
  await models.ApiToken.collection.insertOne(doc);
  return { token, doc };
}

/** The live token matching a presented bearer token, or null (unknown or revoked). */
export function findActiveToken(models: Models, token: string) {
  return models.ApiToken.findOne({ tokenHash: hashToken(token), revokedAt: null })
    .lean<ApiTokenDoc>()
    .exec();
}

/** A workspace's tokens, newest first, without hashes. */
export function listApiTokens(models: Models, workspaceId: Types.ObjectId) {
  return models.ApiToken.find({ workspaceId }, { tokenHash: 0 })
    .sort({ createdAt: -1, _id: -1 })
    .lean<Omit<ApiTokenDoc, 'tokenHash'>[]>()
    .exec();
}

export async function revokeApiToken(
  models: Models,
  workspaceId: Types.ObjectId,
  tokenId: string,
  now = new Date(),
) {
  const result = await models.ApiToken.updateOne(
    { _id: toObjectId(tokenId, 'tokenId'), workspaceId, revokedAt: null },
    { $set: { revokedAt: now } },
  );
  return result.matchedCount > 0;
}

/** Records use at most once a minute per token, so authentication stays a read on the hot path. */
export async function touchApiToken(models: Models, tokenId: Types.ObjectId, now = new Date()) {
  await models.ApiToken.updateOne(
    { _id: tokenId, $or: [{ lastUsedAt: null }, { lastUsedAt: { $lt: new Date(now.getTime() - 60_000) } }] },
    { $set: { lastUsedAt: now } },
  );
}
