import { type FlowControl, type GraphInput, graphInput, type ScenarioTrigger, scenarioTriggerOf } from '@weft/core';
import type { Types } from 'mongoose';
import { isDuplicateKeyError, newObjectId, toObjectId } from '../ids.js';
import { afterCursor, type Page, toPage } from '../pagination.js';
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
    scheduleSince: null,
    lastScheduledAt: null,
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
  input: {
    revision: number;
    draft: GraphInput;
    name?: string;
    description?: string;
    /** The failure handler's scenario id (checked by the caller), or null to remove it. */
    onFailure?: string | null;
  },
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
        ...(input.onFailure === undefined
          ? {}
          : { onFailure: input.onFailure === null ? null : toObjectId(input.onFailure, 'onFailure') }),
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
  options: {
    /** The draft revision the caller validated: a draft saved since is not published unvalidated. */
    expectedRevision?: number;
    now?: Date;
  } = {},
): Promise<PublishResult> {
  const now = options.now ?? new Date();
  const _id = toObjectId(scenarioId, 'scenarioId');
  const scenario = await models.Scenario.findOne({ _id, workspaceId, archivedAt: null })
    .lean<ScenarioDoc>()
    .exec();
  if (!scenario) return { ok: false, reason: 'not_found' };
  if (options.expectedRevision !== undefined && scenario.revision !== options.expectedRevision) {
    return { ok: false, reason: 'conflict' };
  }
  const version: ScenarioVersionDoc = {
    _id: newObjectId(),
    workspaceId,
    scenarioId: _id,
    version: scenario.version + 1,
    trigger: scenarioTriggerOf(scenario.draft.nodes),
    nodes: scenario.draft.nodes,
    edges: scenario.draft.edges,
    onFailure: scenario.onFailure ?? null,
    flowControl: scenario.flowControl ?? null,
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
        // A new cron or time zone applies from now: ticks it would have had before are not caught up.
        ...(scheduleChanged(scenario.publishedTrigger, version.trigger) ? { scheduleSince: now } : {}),
      },
    },
    { timestamps: false },
  );
  if (updated.matchedCount === 0) return { ok: false, reason: 'conflict' };
  return { ok: true, version };
}

/** Whether publishing `next` after `previous` starts a schedule afresh (new, or another cron or zone). */
function scheduleChanged(previous: ScenarioTrigger | null, next: ScenarioTrigger): boolean {
  if (next.kind !== 'schedule') return false;
  return previous?.kind !== 'schedule' || previous.cron !== next.cron || previous.timezone !== next.timezone;
}

export async function setScenarioEnabled(
  models: Models,
  workspaceId: Types.ObjectId,
  scenarioId: string,
  enabled: boolean,
  now = new Date(),
) {
  const filter = { _id: toObjectId(scenarioId, 'scenarioId'), workspaceId, archivedAt: null };
  if (enabled) {
    // Switching on starts the schedule afresh: ticks missed while it was off are not caught up.
    const switched = await models.Scenario.updateOne(
      { ...filter, enabled: { $ne: true } },
      { $set: { enabled: true, scheduleSince: now, updatedAt: now } },
      { timestamps: false },
    );
    if (switched.matchedCount > 0) return true;
  }
  const result = await models.Scenario.updateOne(
    filter,
    { $set: { enabled, updatedAt: now } },
    { timestamps: false },
  );
  return result.matchedCount > 0;
}

/**
 * Sets (or with null removes) the draft's failure handler without touching the graph or its
 * revision: an editor's autosave goes on undisturbed. Published with the next publish.
 */
export async function setScenarioOnFailure(
  models: Models,
  workspaceId: Types.ObjectId,
  scenarioId: string,
  onFailure: string | null,
  now = new Date(),
) {
  const result = await models.Scenario.updateOne(
    { _id: toObjectId(scenarioId, 'scenarioId'), workspaceId, archivedAt: null },
    { $set: { onFailure: onFailure === null ? null : toObjectId(onFailure, 'onFailure'), updatedAt: now } },
    { timestamps: false },
  );
  return result.matchedCount > 0;
}

/**
 * Sets (or with null removes) the draft's flow control (validated by the caller with core's
 * `flowControlSchema`), like the failure handler: the graph and its revision stay, the next publish
 * applies it.
 */
export async function setScenarioFlowControl(
  models: Models,
  workspaceId: Types.ObjectId,
  scenarioId: string,
  flowControl: FlowControl | null,
  now = new Date(),
) {
  const result = await models.Scenario.updateOne(
    { _id: toObjectId(scenarioId, 'scenarioId'), workspaceId, archivedAt: null },
    { $set: { flowControl, updatedAt: now } },
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

export interface ListScenariosQuery {
  workspaceId: Types.ObjectId;
  enabled?: boolean;
  /** Scenarios whose draft or published version is triggered by this app. */
  appId?: string;
  /** Case-insensitive substring of the name. */
  name?: string;
  limit: number;
  cursor?: string | null;
}

export type ScenarioSummaryDoc = Pick<
  ScenarioDoc,
  | '_id'
  | 'name'
  | 'description'
  | 'enabled'
  | 'trigger'
  | 'publishedTrigger'
  | 'revision'
  | 'version'
  | 'publishedVersionId'
  | 'createdAt'
  | 'updatedAt'
>;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Live (not archived) scenarios, most recently updated first, without their graphs. */
export async function listScenarios(
  models: Models,
  query: ListScenariosQuery,
): Promise<Page<ScenarioSummaryDoc>> {
  const rows = await models.Scenario.find(
    {
      workspaceId: query.workspaceId,
      archivedAt: null,
      ...(query.enabled === undefined ? {} : { enabled: query.enabled }),
      ...(query.appId
        ? { $or: [{ 'trigger.appId': query.appId }, { 'publishedTrigger.appId': query.appId }] }
        : {}),
      ...(query.name ? { name: { $regex: escapeRegExp(query.name), $options: 'i' } } : {}),
      ...afterCursor('updatedAt', query.cursor),
    },
    { draft: 0, workspaceId: 0, archivedAt: 0 },
  )
    .sort({ updatedAt: -1, _id: -1 })
    .limit(query.limit + 1)
    .lean<ScenarioSummaryDoc[]>()
    .exec();
  return toPage(rows, query.limit, (row) => row.updatedAt);
}

export function findScenario(models: Models, workspaceId: Types.ObjectId, scenarioId: string) {
  return models.Scenario.findOne({ _id: toObjectId(scenarioId, 'scenarioId'), workspaceId, archivedAt: null })
    .lean<ScenarioDoc>()
    .exec();
}

/** Archives a scenario: it stops running and leaves the lists; its versions and runs are kept. */
export async function archiveScenario(
  models: Models,
  workspaceId: Types.ObjectId,
  scenarioId: string,
  now = new Date(),
) {
  const result = await models.Scenario.updateOne(
    { _id: toObjectId(scenarioId, 'scenarioId'), workspaceId, archivedAt: null },
    { $set: { archivedAt: now, enabled: false, updatedAt: now } },
    { timestamps: false },
  );
  return result.matchedCount > 0;
}

/** A new, disabled, unpublished scenario with a copy of the draft. */
export async function duplicateScenario(
  models: Models,
  workspaceId: Types.ObjectId,
  scenarioId: string,
  name?: string,
) {
  const source = await findScenario(models, workspaceId, scenarioId);
  if (!source) return null;
  return createScenario(models, workspaceId, {
    name: name ?? `${source.name} (copy)`,
    description: source.description,
    draft: source.draft,
  });
}

export function listScenarioVersions(models: Models, workspaceId: Types.ObjectId, scenarioId: string) {
  return models.ScenarioVersion.find(
    { workspaceId, scenarioId: toObjectId(scenarioId, 'scenarioId') },
    { version: 1, publishedAt: 1, trigger: 1 },
  )
    .sort({ version: -1 })
    .lean<Pick<ScenarioVersionDoc, '_id' | 'version' | 'publishedAt' | 'trigger'>[]>()
    .exec();
}

export function findScenarioVersionByNumber(
  models: Models,
  workspaceId: Types.ObjectId,
  scenarioId: string,
  version: number,
) {
  return models.ScenarioVersion.findOne({
    workspaceId,
    scenarioId: toObjectId(scenarioId, 'scenarioId'),
    version,
  })
    .lean<ScenarioVersionDoc>()
    .exec();
}

/** Names of live scenarios whose draft or published trigger uses this app (an app in use can't be deleted). */
export async function scenarioNamesUsingApp(
  models: Models,
  workspaceId: Types.ObjectId,
  appId: Types.ObjectId,
) {
  const hex = appId.toHexString();
  const rows = await models.Scenario.find(
    { workspaceId, archivedAt: null, $or: [{ 'trigger.appId': hex }, { 'publishedTrigger.appId': hex }] },
    { name: 1 },
  )
    .lean<{ name: string }[]>()
    .exec();
  return rows.map((r) => r.name);
}

/** A live scenario's name and published version, or null when it is not one of the workspace's. */
export function findScenarioHead(models: Models, workspaceId: Types.ObjectId, scenarioId: Types.ObjectId) {
  return models.Scenario.findOne(
    { _id: scenarioId, workspaceId, archivedAt: null },
    { name: 1, publishedVersionId: 1 },
  )
    .lean<Pick<ScenarioDoc, '_id' | 'name' | 'publishedVersionId'>>()
    .exec();
}

/** The live scenarios of `ids` in the workspace, with their names and published versions. */
export function findScenarioHeads(
  models: Models,
  workspaceId: Types.ObjectId,
  ids: readonly Types.ObjectId[],
) {
  return models.Scenario.find(
    { _id: { $in: [...ids] }, workspaceId, archivedAt: null },
    { name: 1, publishedVersionId: 1 },
  )
    .lean<Pick<ScenarioDoc, '_id' | 'name' | 'publishedVersionId'>[]>()
    .exec();
}

/** A scenario of the workspace, archived or not, as a replay checks it. */
export function findScenarioState(models: Models, workspaceId: Types.ObjectId, scenarioId: Types.ObjectId) {
  return models.Scenario.findOne(
    { _id: scenarioId, workspaceId },
    { archivedAt: 1, name: 1, publishedVersionId: 1 },
  )
    .lean<Pick<ScenarioDoc, '_id' | 'archivedAt' | 'name' | 'publishedVersionId'>>()
    .exec();
}

/** Whether the workspace has this scenario (archived ones included); a string id is cast. */
export async function scenarioExists(
  models: Models,
  workspaceId: Types.ObjectId,
  scenarioId: Types.ObjectId | string,
) {
  return (await models.Scenario.exists({ _id: scenarioId, workspaceId }).exec()) !== null;
}

/** The workspace's live scenarios, oldest first. */
export function listLiveScenarios(models: Models, workspaceId: Types.ObjectId) {
  return models.Scenario.find({ workspaceId, archivedAt: null })
    .sort({ createdAt: 1, _id: 1 })
    .lean<ScenarioDoc[]>()
    .exec();
}

/**
 * The other live scenarios whose published trigger is a webhook of `appId`, with their published
 * versions (only one of them may answer the app's webhooks).
 */
export function findWebhookScenariosOfApp(
  models: Models,
  workspaceId: Types.ObjectId,
  appId: string,
  exceptId: Types.ObjectId,
) {
  return models.Scenario.find(
    {
      workspaceId,
      _id: { $ne: exceptId },
      archivedAt: null,
      'publishedTrigger.kind': 'webhook',
      'publishedTrigger.appId': appId,
    },
    { name: 1, publishedVersionId: 1 },
  )
    .lean<Pick<ScenarioDoc, '_id' | 'name' | 'publishedVersionId'>[]>()
    .exec();
}

/**
 * The nodes of versions by id. The ids come from scenarios read in one workspace (their
 * `publishedVersionId`), which is the workspace filter here.
 */
export function findVersionNodes(models: Models, versionIds: readonly Types.ObjectId[]) {
  return models.ScenarioVersion.find({ _id: { $in: [...versionIds] } }, { nodes: 1 })
    .lean<Pick<ScenarioVersionDoc, '_id' | 'nodes'>[]>()
    .exec();
}

/** A version's trigger, or null when it is not one of the workspace's. */
export function findVersionTrigger(models: Models, workspaceId: Types.ObjectId, versionId: Types.ObjectId) {
  return models.ScenarioVersion.findOne({ _id: versionId, workspaceId }, { trigger: 1 })
    .lean<Pick<ScenarioVersionDoc, 'trigger'>>()
    .exec();
}
