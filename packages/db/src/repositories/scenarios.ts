import { type GraphInput, graphInput, scenarioTriggerOf } from '@weft/core';
import type { Types } from 'mongoose';
import { isDuplicateKeyError, newObjectId, toObjectId } from '../ids.js';
import type { Models, ScenarioDoc, ScenarioVersionDoc } from '../models.js';

export async function createScenario(
  models: Models,
  workspaceId: Types.ObjectId,
  input: { name: string; description?: string; draft?: GraphInput },
  now = new Date(),
): Promise<ScenarioDoc> {
  const draft = graphInput.parse(input.draft ?? { nodes: [], edges: [] });
  const doc: ScenarioDoc = {
    _id: newObjectId(),
    workspaceId,
    name: input.name,
    description: input.description ?? '',
    enabled: false,
    draft,
    trigger: scenarioTriggerOf(draft.nodes),
    publishedTrigger: null,
    revision: 0,
    publishedVersionId: null,
    version: 0,
    archivedAt: null,
    createdAt: now,
    updatedAt: now,
  };
  await models.Scenario.collection.insertOne(doc);
  return doc;
}

export type SaveDraftResult =
  | { readonly ok: true; readonly scenario: ScenarioDoc }
  | { readonly ok: false; readonly reason: 'not_found' }
  | { readonly ok: false; readonly reason: 'conflict'; readonly currentRevision: number };

/**
 * Saves a draft only if it was edited from the current revision (optimistic concurrency): a
 * save from a stale editor gets a conflict with the current revision, never a silent overwrite.
 */
export async function saveDraft(
  models: Models,
  workspaceId: Types.ObjectId,
  scenarioId: string,
  input: { revision: number; draft: GraphInput; name?: string; description?: string },
  now = new Date(),
): Promise<SaveDraftResult> {
  const _id = toObjectId(scenarioId, 'scenarioId');
  const draft = graphInput.parse(input.draft);
  const saved = await models.Scenario.findOneAndUpdate(
    { _id, workspaceId, archivedAt: null, revision: input.revision },
    {
      $set: {
        draft,
        trigger: scenarioTriggerOf(draft.nodes),
        updatedAt: now,
        ...(input.name === undefined ? {} : { name: input.name }),
        ...(input.description === undefined ? {} : { description: input.description }),
      },
      $inc: { revision: 1 },
    },
    { returnDocument: 'after', lean: true, timestamps: false },
  ).exec();
  if (saved) return { ok: true, scenario: saved as ScenarioDoc };
  const current = await models.Scenario.findOne({ _id, workspaceId, archivedAt: null }, { revision: 1 })
    .lean()
    .exec();
  if (!current) return { ok: false, reason: 'not_found' };
  return { ok: false, reason: 'conflict', currentRevision: current.revision };
}

export type PublishResult =
  | { readonly ok: true; readonly version: ScenarioVersionDoc }
  | { readonly ok: false; readonly reason: 'not_found' | 'conflict' };

/**
 * Freezes the draft as the next immutable version. The unique (scenarioId, version) index makes
 * concurrent publishes of one scenario produce distinct versions or a conflict, never a clash.
 * The caller validates the graph first.
 */
export async function publishScenario(
  models: Models,
  workspaceId: Types.ObjectId,
  scenarioId: string,
  now = new Date(),
): Promise<PublishResult> {
  const _id = toObjectId(scenarioId, 'scenarioId');
  const scenario = await models.Scenario.findOne({ _id, workspaceId, archivedAt: null })
    .lean<ScenarioDoc>()
    .exec();
  if (!scenario) return { ok: false, reason: 'not_found' };
  const version: ScenarioVersionDoc = {
    _id: newObjectId(),
    workspaceId,
    scenarioId: _id,
    version: scenario.version + 1,
    trigger: scenarioTriggerOf(scenario.draft.nodes),
    nodes: scenario.draft.nodes,
    edges: scenario.draft.edges,
    publishedAt: now,
  };
  try {
    await models.ScenarioVersion.collection.insertOne(version);
  } catch (error) {
    if (isDuplicateKeyError(error)) return { ok: false, reason: 'conflict' };
    throw error;
  }
  const updated = await models.Scenario.updateOne(
    { _id, workspaceId, version: scenario.version },
    {
      $set: {
        version: version.version,
        publishedVersionId: version._id,
        publishedTrigger: version.trigger,
        updatedAt: now,
      },
    },
    { timestamps: false },
  );
  if (updated.matchedCount === 0) return { ok: false, reason: 'conflict' };
  return { ok: true, version };
}

export async function setScenarioEnabled(
  models: Models,
  workspaceId: Types.ObjectId,
  scenarioId: string,
  enabled: boolean,
) {
  const result = await models.Scenario.updateOne(
    { _id: toObjectId(scenarioId, 'scenarioId'), workspaceId, archivedAt: null },
    { $set: { enabled, updatedAt: new Date() } },
    { timestamps: false },
  );
  return result.matchedCount > 0;
}

/** Enabled, published scenarios started by webhooks of this app. */
export function findWebhookScenarios(models: Models, workspaceId: Types.ObjectId, appId: Types.ObjectId) {
  return models.Scenario.find(
    {
      workspaceId,
      'publishedTrigger.kind': 'webhook',
      'publishedTrigger.appId': appId.toHexString(),
      enabled: true,
      archivedAt: null,
    },
    { _id: 1, publishedVersionId: 1, version: 1, publishedTrigger: 1, name: 1 },
  )
    .lean<Pick<ScenarioDoc, '_id' | 'publishedVersionId' | 'version' | 'publishedTrigger' | 'name'>[]>()
    .exec();
}

export function findScenarioVersion(models: Models, versionId: Types.ObjectId) {
  return models.ScenarioVersion.findById(versionId).lean<ScenarioVersionDoc>().exec();
}
