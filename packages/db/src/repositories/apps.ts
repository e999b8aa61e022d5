import { type CreateAppInput, createAppInput } from '@weft/core';
import type { Types } from 'mongoose';
import { isDuplicateKeyError, newObjectId, toObjectId } from '../ids.js';
import { scenarioNamesUsingApp } from './scenarios.js';
import type { AppDoc, Models } from '../models.js';

export class AppKeyTakenError extends Error {
  constructor(readonly key: string) {
    super(`app key "${key}" is already taken`);
  }
}

export async function createApp(
  models: Models,
  workspaceId: Types.ObjectId,
  input: CreateAppInput,
  now = new Date(),
): Promise<AppDoc> {
  const parsed = createAppInput.parse(input);
  const doc: AppDoc = {
    _id: newObjectId(),
    workspaceId,
    key: parsed.key,
    name: parsed.name,
    signature: parsed.signature,
    defaultConnectionId: null,
    searchKeys: parsed.searchKeys,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await models.App.collection.insertOne(doc);
  } catch (error) {
    if (isDuplicateKeyError(error)) throw new AppKeyTakenError(parsed.key);
    throw error;
  }
  return doc;
}

/** The app behind `POST /webhook/:appKey`: keys are global, the app names its workspace. */
export function findAppByKey(models: Models, key: string) {
  return models.App.findOne({ key }).lean<AppDoc>().exec();
}

export function listApps(models: Models, workspaceId: Types.ObjectId) {
  return models.App.find({ workspaceId }).sort({ name: 1, _id: 1 }).lean<AppDoc[]>().exec();
}

export function findApp(models: Models, workspaceId: Types.ObjectId, appId: string) {
  return models.App.findOne({ _id: toObjectId(appId, 'appId'), workspaceId })
    .lean<AppDoc>()
    .exec();
}

export async function updateApp(
  models: Models,
  workspaceId: Types.ObjectId,
  appId: string,
  changes: {
    name?: string;
    signature?: AppDoc['signature'];
    defaultConnectionId?: Types.ObjectId | null;
    searchKeys?: AppDoc['searchKeys'];
  },
  now = new Date(),
): Promise<AppDoc | null> {
  const set: Record<string, unknown> = { updatedAt: now };
  if (changes.name !== undefined) set.name = changes.name;
  if (changes.signature !== undefined) set.signature = changes.signature;
  if (changes.defaultConnectionId !== undefined) set.defaultConnectionId = changes.defaultConnectionId;
  if (changes.searchKeys !== undefined) set.searchKeys = changes.searchKeys;
  return models.App.findOneAndUpdate(
    { _id: toObjectId(appId, 'appId'), workspaceId },
    { $set: set },
    {
      returnDocument: 'after',
      lean: true,
      timestamps: false,
    },
  ).exec() as Promise<AppDoc | null>;
}

export class AppInUseError extends Error {
  constructor(readonly scenarioNames: readonly string[]) {
    super(
      `the app is used by ${scenarioNames.length === 1 ? 'scenario' : 'scenarios'} ${scenarioNames.map((n) => `"${n}"`).join(', ')}`,
    );
  }
}

/** Deletes an app and its connections, refused while live scenarios use it (naming them). */
export async function deleteApp(
  models: Models,
  workspaceId: Types.ObjectId,
  appId: string,
): Promise<boolean> {
  const _id = toObjectId(appId, 'appId');
  const users = await scenarioNamesUsingApp(models, workspaceId, _id);
  if (users.length > 0) throw new AppInUseError(users);
  const result = await models.App.deleteOne({ _id, workspaceId });
  if (result.deletedCount === 0) return false;
  await models.Connection.deleteMany({ workspaceId, appId: _id });
  return true;
}

/** An app's search key definitions (a redelivery evaluates them again). */
export function findAppSearchKeys(models: Models, workspaceId: Types.ObjectId, appId: Types.ObjectId) {
  return models.App.findOne({ _id: appId, workspaceId }, { _id: 1, searchKeys: 1 })
    .lean<Pick<AppDoc, '_id' | 'searchKeys'>>()
    .exec();
}

/** An app's signature settings (a delivery's view names the scheme it was verified with). */
export function findAppSignature(models: Models, workspaceId: Types.ObjectId, appId: Types.ObjectId) {
  return models.App.findOne({ _id: appId, workspaceId }, { signature: 1 })
    .lean<{ signature: { scheme: string } }>()
    .exec();
}

/** Every app of the workspace with its key (a scenario file's references). */
export function listAppKeys(models: Models, workspaceId: Types.ObjectId) {
  return models.App.find({ workspaceId }, { key: 1 }).lean<Pick<AppDoc, '_id' | 'key'>[]>().exec();
}

/** Which of `ids` are apps of the workspace. */
export function findAppIds(models: Models, workspaceId: Types.ObjectId, ids: readonly Types.ObjectId[]) {
  return models.App.find({ _id: { $in: [...ids] }, workspaceId }, { _id: 1 })
    .lean<{ _id: Types.ObjectId }[]>()
    .exec();
}

/** Whether the workspace has this app; a string id is cast. */
export async function appExists(models: Models, workspaceId: Types.ObjectId, appId: Types.ObjectId | string) {
  return (await models.App.exists({ _id: appId, workspaceId }).exec()) !== null;
}
