import type { Types } from 'mongoose';
import { isDuplicateKeyError, newObjectId } from '../ids.js';
import type { Models, ScenarioDoc, ScheduleTickDoc } from '../models.js';

/** What the scheduler needs of a scheduled scenario. */
export type ScheduledScenarioDoc = Pick<
  ScenarioDoc,
  '_id' | 'workspaceId' | 'publishedVersionId' | 'publishedTrigger' | 'scheduleSince' | 'lastScheduledAt'
>;

/** Enabled, published, live scenarios whose published trigger is a schedule, of every workspace. */
export function findScheduledScenarios(models: Models): Promise<ScheduledScenarioDoc[]> {
  return models.Scenario.find(
    {
      'publishedTrigger.kind': 'schedule',
      enabled: true,
      archivedAt: null,
      publishedVersionId: { $ne: null },
    },
    {
      workspaceId: 1,
      publishedVersionId: 1,
      publishedTrigger: 1,
      scheduleSince: 1,
      lastScheduledAt: 1,
    },
  )
    .lean<ScheduledScenarioDoc[]>()
    .exec();
}

/** One scheduled scenario as it is now (a tick re-reads it right before firing). */
export function findScheduledScenario(models: Models, scenarioId: Types.ObjectId) {
  return models.Scenario.findOne(
    {
      _id: scenarioId,
      'publishedTrigger.kind': 'schedule',
      enabled: true,
      archivedAt: null,
      publishedVersionId: { $ne: null },
    },
    { workspaceId: 1, publishedVersionId: 1, publishedTrigger: 1, scheduleSince: 1, lastScheduledAt: 1 },
  )
    .lean<ScheduledScenarioDoc>()
    .exec();
}

export type ClaimTickResult =
  | { readonly claimed: true; readonly tick: ScheduleTickDoc }
  /** Another runner (or an earlier attempt of this one) fired this tick already. */
  | { readonly claimed: false };

/**
 * Claims a tick of a scenario for this caller: an insert into `scheduleTicks`, whose unique
 * (scenarioId, tickAt) index lets exactly one of any number of runners win. The run id is chosen
 * here and stored with the tick, so a crash before the run exists is repaired with the same id.
 */
export async function claimScheduleTick(
  models: Models,
  tick: {
    workspaceId: Types.ObjectId;
    scenarioId: Types.ObjectId;
    scenarioVersionId: Types.ObjectId;
    tickAt: Date;
    firedAt: Date;
  },
): Promise<ClaimTickResult> {
  const doc: ScheduleTickDoc = { _id: newObjectId(), runId: newObjectId(), dispatchedAt: null, ...tick };
  try {
    await models.ScheduleTick.collection.insertOne(doc);
  } catch (error) {
    if (isDuplicateKeyError(error)) return { claimed: false };
    throw error;
  }
  return { claimed: true, tick: doc };
}

/** Records the latest tick fired on the scenario (never moves it back). */
export async function recordScheduledTick(models: Models, scenarioId: Types.ObjectId, tickAt: Date) {
  await models.Scenario.updateOne(
    { _id: scenarioId },
    { $max: { lastScheduledAt: tickAt } },
    { timestamps: false },
  );
}

export async function markScheduleTickDispatched(models: Models, tickId: Types.ObjectId, now = new Date()) {
  await models.ScheduleTick.updateOne({ _id: tickId }, { $set: { dispatchedAt: now } });
}

/** Ticks claimed before `firedBefore` whose run was never confirmed enqueued (the claimer died). */
export function findUndispatchedTicks(models: Models, firedBefore: Date, limit = 100) {
  return models.ScheduleTick.find({ dispatchedAt: null, firedAt: { $lt: firedBefore } })
    .sort({ firedAt: 1 })
    .limit(limit)
    .lean<ScheduleTickDoc[]>()
    .exec();
}
