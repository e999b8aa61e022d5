import {
  type ApprovalDecision,
  deliveryCorrelationKey,
  type WebhookTriggerInput,
  webhookTriggerInput,
} from '@weft/core';
import type { Agenda } from 'agenda';
import type { Collection } from 'mongodb';
import type { Types } from 'mongoose';
import type { Models, RunDoc, RunWaitDoc, RunWaitResolutionDoc, WebhookDeliveryDoc } from '../models.js';
import { scheduleRun } from '../queue.js';

/** The driver's collection, typed: waits have string ids, which mongoose's default typing does not know. */
function collectionOf(models: Models): Collection<RunWaitDoc> {
  return models.RunWait.collection as unknown as Collection<RunWaitDoc>;
}

/** The id of a step's wait: its step key, so every attempt and resume of the step names the same wait. */
export function runWaitIdOf(runId: Types.ObjectId, nodeId: string, itemIndex?: number | null): string {
  const base = `${runId.toHexString()}:${nodeId}`;
  return itemIndex === undefined || itemIndex === null ? base : `${base}:${itemIndex}`;
}

export interface OpenRunWaitArgs {
  readonly run: Pick<RunDoc, '_id' | 'workspaceId' | 'scenarioId'>;
  readonly nodeId: string;
  readonly itemIndex?: number;
  readonly kind: RunWaitDoc['kind'];
  readonly expiresAt: Date;
  readonly message?: string;
  /** An event wait: what a delivery must carry, and how far back deliveries count. */
  readonly event?: {
    readonly appId: Types.ObjectId;
    readonly correlationKey: string;
    readonly deliveryKey: string;
    readonly lookBackMs: number;
  };
  readonly now?: Date;
}

/** At most this many deliveries of the look-back window are offered to a new event wait. */
export const LOOK_BACK_LIMIT = 500;

/**
 * Opens a step's wait once: inserted on the first call, returned as it is now on every later one
 * (a retry, a resumed run, a run taken over), so its deadline is the first one and a resolution
 * that came in meanwhile is seen. Durable before the caller suspends. An event wait is then
 * offered its app's deliveries since `lookBackMs` before it opened (once: `lookedBack`): a
 * delivery stored before the wait existed is found here, one stored after it by the delivery's own
 * lookup (`offerDeliveryToWaits`); the two reads cross, so none falls between them.
 */
export async function openRunWait(models: Models, args: OpenRunWaitArgs): Promise<RunWaitDoc> {
  const _id = runWaitIdOf(args.run._id, args.nodeId, args.itemIndex);
  const now = args.now ?? new Date();
  const doc = await collectionOf(models).findOneAndUpdate(
    { _id },
    {
      $setOnInsert: {
        workspaceId: args.run.workspaceId,
        runId: args.run._id,
        scenarioId: args.run.scenarioId,
        nodeId: args.nodeId,
        itemIndex: args.itemIndex ?? null,
        kind: args.kind,
        message: args.message ?? null,
        expiresAt: args.expiresAt,
        createdAt: now,
        resolvedAt: null,
        resolution: null,
        ...(args.event ? { ...args.event, candidates: [], lookedBack: false } : {}),
      },
    },
    { upsert: true, returnDocument: 'after' },
  );
  if (!doc) throw new Error(`wait ${_id} vanished after its upsert`);
  return doc.kind === 'event' && !doc.lookedBack && !doc.resolvedAt ? offerLookBack(models, doc) : doc;
}

async function offerLookBack(models: Models, wait: RunWaitDoc): Promise<RunWaitDoc> {
  const since = new Date(wait.createdAt.getTime() - (wait.lookBackMs ?? 0));
  const recent = await models.WebhookDelivery.find(
    { appId: wait.appId, workspaceId: wait.workspaceId, receivedAt: { $gte: since } },
    { _id: 1 },
  )
    .sort({ receivedAt: 1 })
    .limit(LOOK_BACK_LIMIT)
    .lean<Pick<WebhookDeliveryDoc, '_id'>[]>()
    .exec();
  const ids = recent.map((delivery) => delivery._id);
  const updated = await collectionOf(models).findOneAndUpdate(
    { _id: wait._id },
    { ...(ids.length > 0 ? { $addToSet: { candidates: { $each: ids } } } : {}), $set: { lookedBack: true } },
    { returnDocument: 'after' },
  );
  return updated ?? wait;
}

export interface WaitCandidateDoc {
  readonly id: Types.ObjectId;
  readonly event: WebhookTriggerInput;
}

/** An event wait's offered deliveries, oldest first, each as a webhook trigger sees it. */
export async function listWaitCandidates(models: Models, waitId: string): Promise<WaitCandidateDoc[]> {
  const wait = await collectionOf(models).findOne({ _id: waitId }, { projection: { candidates: 1 } });
  const ids = wait?.candidates ?? [];
  if (ids.length === 0) return [];
  const deliveries = await models.WebhookDelivery.find({ _id: { $in: ids } })
    .sort({ receivedAt: 1, _id: 1 })
    .lean<WebhookDeliveryDoc[]>()
    .exec();
  return deliveries.map((delivery) => ({ id: delivery._id, event: webhookTriggerInput(delivery) }));
}

/**
 * Ends an event wait with a delivery (compare-and-set, as `timeOutRunWait`): the wait as it
 * resolved, by this delivery or by whatever came first. Called by the waiting run itself.
 */
export async function acceptWaitEvent(
  models: Models,
  waitId: string,
  event: WebhookTriggerInput,
  now = new Date(),
): Promise<RunWaitDoc> {
  const resolution: RunWaitResolutionDoc = {
    decision: null,
    by: `delivery ${event.deliveryId}`,
    data: event,
    timedOut: false,
  };
  const done = await collectionOf(models).findOneAndUpdate(
    { _id: waitId, resolvedAt: null },
    { $set: { resolvedAt: now, resolution } },
    { returnDocument: 'after' },
  );
  const wait = done ?? (await collectionOf(models).findOne({ _id: waitId }));
  if (!wait) throw new Error(`wait ${waitId} does not exist`);
  return wait;
}

/** Offered deliveries the waiting node found not to match: they are not offered again. */
export async function dismissWaitCandidates(models: Models, waitId: string, ids: readonly Types.ObjectId[]) {
  if (ids.length === 0) return;
  await collectionOf(models).updateOne({ _id: waitId }, { $pullAll: { candidates: [...ids] } });
}

/**
 * After a delivery is stored: offers it to the open event waits of its app whose key it carries,
 * and wakes their runs. Matching does not scan waits: per distinct key expression of the app's open
 * waits (one per waiting node, few), the delivery's key is computed once and the waits are found by
 * index. The offer is idempotent (`$addToSet`), so the sweep may repeat it for an interrupted
 * delivery; a run that cannot be woken now keeps `resumeRun` for its own check and the sweep.
 */
export async function offerDeliveryToWaits(
  models: Models,
  queue: Agenda,
  delivery: Pick<
    WebhookDeliveryDoc,
    | '_id'
    | 'workspaceId'
    | 'appId'
    | 'body'
    | 'bodyEncoding'
    | 'contentType'
    | 'headers'
    | 'deliveryId'
    | 'receivedAt'
  >,
  /** The key expressions of the app's open event waits, when the caller read them (`openEventWaitKeys`) after storing the delivery. */
  keyExpressions?: readonly string[],
): Promise<number> {
  const open = { appId: delivery.appId, resolvedAt: null, kind: 'event' as const };
  const expressions =
    keyExpressions ?? ((await collectionOf(models).distinct('deliveryKey', open)) as string[]);
  if (expressions.length === 0) return 0;
  const input = webhookTriggerInput(delivery);
  let offered = 0;
  for (const deliveryKey of expressions) {
    const correlationKey = await deliveryCorrelationKey(deliveryKey, input);
    if (correlationKey === null) continue;
    const filter = { ...open, workspaceId: delivery.workspaceId, deliveryKey, correlationKey };
    const waits = await collectionOf(models)
      .find(filter, { projection: { _id: 1, runId: 1 } })
      .toArray();
    if (waits.length === 0) continue;
    await collectionOf(models).updateMany(
      { _id: { $in: waits.map((wait) => wait._id) }, resolvedAt: null },
      { $addToSet: { candidates: delivery._id }, $set: { resumeRun: true } },
    );
    for (const wait of waits) await resumeRunOfWait(models, queue, wait);
    offered += waits.length;
  }
  return offered;
}

/**
 * The distinct key expressions of the open event waits of each app, for many apps in one read (the
 * webhook route's group read: concurrent deliveries share it). Apps without open waits map to [].
 */
export async function openEventWaitKeys(
  models: Models,
  appIds: readonly Types.ObjectId[],
): Promise<Map<string, string[]>> {
  const keys = new Map<string, string[]>(appIds.map((id) => [id.toHexString(), []]));
  const groups = await collectionOf(models)
    .aggregate<{ _id: { appId: Types.ObjectId; deliveryKey: string } }>([
      { $match: { appId: { $in: [...appIds] }, resolvedAt: null, kind: 'event' } },
      { $group: { _id: { appId: '$appId', deliveryKey: '$deliveryKey' } } },
    ])
    .toArray();
  for (const { _id } of groups) keys.get(_id.appId.toHexString())?.push(_id.deliveryKey);
  return keys;
}

export type ResumeRefusal = 'not_found' | 'already_resolved' | 'expired';

export type ResolveRunWaitResult =
  | { readonly ok: true; readonly wait: RunWaitDoc }
  | {
      readonly ok: false;
      readonly code: ResumeRefusal;
      readonly message: string;
      readonly wait?: RunWaitDoc;
    };

export interface ResolveRunWaitArgs {
  readonly workspaceId: Types.ObjectId;
  readonly runId: Types.ObjectId;
  readonly nodeId: string;
  readonly itemIndex?: number;
  readonly decision: ApprovalDecision;
  readonly by: string;
  readonly data: unknown;
  readonly now?: Date;
}

function describeResolution(wait: RunWaitDoc): string {
  const at = wait.resolvedAt?.toISOString() ?? 'an unknown time';
  if (wait.resolution?.timedOut) return `it timed out at ${at}`;
  return `it was already ${wait.resolution?.decision ?? 'resolved'} by ${wait.resolution?.by ?? 'someone'} at ${at}`;
}

/**
 * Resolves a wait with a decision, exactly once: a compare-and-set on `resolvedAt: null` before
 * the deadline, so of two resumes racing (two clicks, two api processes, a link and the run page)
 * one wins and the other is refused, and a wait that timed out stays timed out. The winner marks
 * the wait `resumeRun`: the caller wakes the run next (`resumeRunOfWait`), the sweep if it crashes.
 */
export async function resolveRunWait(
  models: Models,
  args: ResolveRunWaitArgs,
): Promise<ResolveRunWaitResult> {
  const _id = runWaitIdOf(args.runId, args.nodeId, args.itemIndex);
  const now = args.now ?? new Date();
  const resolution: RunWaitResolutionDoc = {
    decision: args.decision,
    by: args.by,
    data: args.data ?? null,
    timedOut: false,
  };
  const won = await collectionOf(models).findOneAndUpdate(
    { _id, workspaceId: args.workspaceId, kind: 'approval', resolvedAt: null, expiresAt: { $gt: now } },
    { $set: { resolvedAt: now, resolution, resumeRun: true } },
    { returnDocument: 'after' },
  );
  if (won) return { ok: true, wait: won };
  const found = (await collectionOf(models).findOne({
    _id,
    workspaceId: args.workspaceId,
  })) as RunWaitDoc | null;
  const step =
    args.itemIndex === undefined ? `node "${args.nodeId}"` : `node "${args.nodeId}" (item ${args.itemIndex})`;
  if (!found)
    return {
      ok: false,
      code: 'not_found',
      message: `run ${args.runId.toHexString()} has no wait at ${step}: it has not reached it, or the node does not wait`,
    };
  if (found.kind !== 'approval')
    return {
      ok: false,
      code: 'not_found',
      message: `${step} waits for an event, not for an approval: it cannot be decided`,
    };
  if (found.resolvedAt)
    return {
      ok: false,
      code: 'already_resolved',
      message: `the wait at ${step} cannot be resumed again: ${describeResolution(found)}`,
      wait: found,
    };
  return {
    ok: false,
    code: 'expired',
    message: `the wait at ${step} expired at ${found.expiresAt.toISOString()}; the run goes on as timed out`,
    wait: found,
  };
}

/**
 * Ends an unresolved wait as timed out (compare-and-set, as `resolveRunWait`); when a resume came
 * first, the wait as it resolved is returned instead. Called by the waiting run itself, so nothing
 * needs waking.
 */
export async function timeOutRunWait(models: Models, waitId: string, now = new Date()): Promise<RunWaitDoc> {
  const resolution: RunWaitResolutionDoc = { decision: null, by: null, data: null, timedOut: true };
  const done = await collectionOf(models).findOneAndUpdate(
    { _id: waitId, resolvedAt: null },
    { $set: { resolvedAt: now, resolution } },
    { returnDocument: 'after' },
  );
  const wait = (done ?? (await collectionOf(models).findOne({ _id: waitId }))) as RunWaitDoc | null;
  if (!wait) throw new Error(`wait ${waitId} does not exist`);
  return wait;
}

export type WakeRunResult = 'resumed' | 'running' | 'done';

/**
 * Wakes a waiting run now (its resume time set to now, then a job due now), so the step it waits
 * in runs again at once. A run that is running is left alone (`running`): it checks what it waits
 * for itself after it suspends, and the sweep tries again. A run that suspended between the two
 * reads here is tried again; a queued or finished one needs nothing (`done`).
 */
export async function wakeWaitingRun(
  models: Models,
  queue: Agenda,
  runId: Types.ObjectId,
  now = new Date(),
): Promise<WakeRunResult> {
  // A run changes state between our two reads only by suspending or by being claimed again: a few
  // rounds settle it; should they not, the caller's flag stays and the sweep comes back to it.
  for (let round = 0; round < 5; round++) {
    const woken = await models.Run.collection.updateOne(
      { _id: runId, status: 'waiting' },
      { $set: { resumeAt: now, updatedAt: now } },
    );
    if (woken.matchedCount > 0) {
      await scheduleRun(queue, runId.toHexString());
      return 'resumed';
    }
    const current = await models.Run.collection.findOne({ _id: runId }, { projection: { status: 1 } });
    if (current?.status === 'running') return 'running';
    if (current?.status !== 'waiting') return 'done';
  }
  return 'running';
}

/**
 * After a resume: wakes the wait's run and clears the wait's `resumeRun`. A run still running keeps
 * the flag: it looks at its resolved waits after it suspends (`runWaitsToResume`), and the sweep.
 */
export async function resumeRunOfWait(
  models: Models,
  queue: Agenda,
  wait: Pick<RunWaitDoc, '_id' | 'runId'>,
  now = new Date(),
): Promise<WakeRunResult> {
  const result = await wakeWaitingRun(models, queue, wait.runId, now);
  if (result !== 'running')
    await collectionOf(models).updateOne({ _id: wait._id }, { $unset: { resumeRun: '' } });
  return result;
}

/** A run's waits that were resumed and still have to wake it (checked after the run suspends). */
export function runWaitsToResume(models: Models, runId: Types.ObjectId) {
  return models.RunWait.find({ runId, resumeRun: true }, { _id: 1, runId: 1 })
    .lean<Pick<RunWaitDoc, '_id' | 'runId'>[]>()
    .exec();
}

/** Waits resumed before `resolvedBefore` whose run was not woken: the sweep's share. */
export function unresumedRunWaits(models: Models, resolvedBefore: Date, limit: number) {
  return models.RunWait.find({ resumeRun: true, resolvedAt: { $lt: resolvedBefore } }, { _id: 1, runId: 1 })
    .limit(limit)
    .lean<Pick<RunWaitDoc, '_id' | 'runId'>[]>()
    .exec();
}

/** The waits of a run, in the order they were opened (the run view). */
export function listRunWaits(models: Models, workspaceId: Types.ObjectId, runId: Types.ObjectId) {
  return models.RunWait.find({ workspaceId, runId })
    .sort({ createdAt: 1, _id: 1 })
    .lean<RunWaitDoc[]>()
    .exec();
}

/**
 * A waiting step by its id, from a signed resume link: the link names no workspace, the wait
 * names its own.
 */
export function findRunWaitOfLink(models: Models, id: string) {
  return models.RunWait.findById(id).lean<RunWaitDoc>().exec();
}

/** The workspace of a waiting step, from a signed resume link (see `findRunWaitOfLink`). */
export function findRunWaitWorkspace(models: Models, id: string) {
  return models.RunWait.findById(id, { workspaceId: 1 }).lean<Pick<RunWaitDoc, 'workspaceId'>>().exec();
}
