import { createHash, randomBytes } from 'node:crypto';
import { type ApiTokenScope, LEGACY_TOKEN_SCOPE, type ApiTokenGrant } from '@weft/core';
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

/** A stored token's scope: tokens from before scopes keep the full rights they were made with. */
export function tokenScope(doc: Pick<ApiTokenDoc, 'scope'>): ApiTokenScope {
  return doc.scope ?? LEGACY_TOKEN_SCOPE;
}

/** A stored token's scope and expiry, older tokens' defaults filled in. */
export function tokenGrant(doc: Pick<ApiTokenDoc, 'scope' | 'expiresAt'>): ApiTokenGrant {
  return { scope: tokenScope(doc), expiresAt: doc.expiresAt ?? null };
}

/**
 * Creates a bearer token, `admin` and never expiring unless `grant` says otherwise. The token is
 * returned once; only its SHA-256 is stored (a token is 256 random bits, so a fast hash is
 * enough: there is nothing to brute-force).
 */
export async function createApiToken(
  models: Models,
  workspaceId: Types.ObjectId,
  name: string,
  token = generateToken(),
  now = new Date(),
  grant: ApiTokenGrant = { scope: 'admin', expiresAt: null },
): Promise<{ token: string; doc: ApiTokenDoc }> {
  const doc: ApiTokenDoc = {
    _id: newObjectId(),
    workspaceId,
    name,
    tokenHash: hashToken(token),
    prefix: token.slice(0, TOKEN_PREFIX.length + 6),
    scope: grant.scope,
    expiresAt: grant.expiresAt,
    createdAt: now,
    lastUsedAt: null,
    revokedAt: null,
  };
  await models.ApiToken.collection.insertOne(doc);
  return { token, doc };
}

/**
 * The unrevoked token matching a presented bearer token, or null (unknown or revoked). An expired
 * one is returned: the caller tells "expired" apart from "unknown" (`isTokenExpired`).
 */
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

/**
 * How many unrevoked admin tokens of the workspace, other than `exceptId`, have not expired at
 * `now`: revoking the last one would leave nobody able to mint or revoke tokens.
 */
export function countOtherLiveAdminTokens(
  models: Models,
  workspaceId: Types.ObjectId,
  exceptId: Types.ObjectId,
  now: Date,
) {
  return models.ApiToken.countDocuments({
    workspaceId,
    _id: { $ne: exceptId },
    revokedAt: null,
    // No scope: a token from before scopes, which is admin.
    $and: [
      { $or: [{ scope: 'admin' }, { scope: { $exists: false } }, { scope: null }] },
      { $or: [{ expiresAt: null }, { expiresAt: { $exists: false } }, { expiresAt: { $gt: now } }] },
    ],
  }).exec();
}

/** Records use at most once a minute per token, so authentication stays a read on the hot path. */
export async function touchApiToken(models: Models, tokenId: Types.ObjectId, now = new Date()) {
  await models.ApiToken.updateOne(
    { _id: tokenId, $or: [{ lastUsedAt: null }, { lastUsedAt: { $lt: new Date(now.getTime() - 60_000) } }] },
    { $set: { lastUsedAt: now } },
  );
}

/** The oldest workspace's id, or null when there is none yet (bootstrap). */
export async function findFirstWorkspaceId(models: Models): Promise<Types.ObjectId | null> {
  const first = await models.Workspace.findOne({}, { _id: 1 })
    .sort({ createdAt: 1, _id: 1 })
    .lean<Pick<WorkspaceDoc, '_id'>>()
    .exec();
  return first?._id ?? null;
}

export function findWorkspace(models: Models, workspaceId: Types.ObjectId) {
  return models.Workspace.findById(workspaceId).lean<WorkspaceDoc>().exec();
}

/** How many tokens exist in all workspaces, revoked ones included (bootstrap runs only on none). */
export function countApiTokens(models: Models) {
  return models.ApiToken.countDocuments({}).exec();
}

/** A token of the workspace without its hash, revoked or not. */
export function findApiToken(models: Models, workspaceId: Types.ObjectId, tokenId: Types.ObjectId) {
  return models.ApiToken.findOne({ _id: tokenId, workspaceId }, { tokenHash: 0 })
    .lean<Omit<ApiTokenDoc, 'tokenHash'>>()
    .exec();
}

/** The name of the token a call was authenticated with (who decided, who started a job). */
export function findApiTokenName(models: Models, tokenId: Types.ObjectId) {
  return models.ApiToken.findById(tokenId, { name: 1 }).lean<Pick<ApiTokenDoc, 'name'>>().exec();
}
