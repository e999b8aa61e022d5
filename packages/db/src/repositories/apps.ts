import { type CreateAppInput, createAppInput } from '@weft/core';
import type { Types } from 'mongoose';
import { isDuplicateKeyError, newObjectId } from '../ids.js';
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
