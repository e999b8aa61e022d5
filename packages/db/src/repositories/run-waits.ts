import type { ApprovalDecision } from '@weft/core';
import type { Agenda } from 'agenda';
import type { Collection } from 'mongodb';
import type { Types } from 'mongoose';
import type { Models, RunDoc, RunWaitDoc, RunWaitResolutionDoc } from '../models.js';
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
  readonly now?: Date;
}

/**
 * Opens a step's wait once: inserted on the first call, returned as it is now on every later one
 * (a retry, a resumed run, a run taken over), so its deadline is the first one and a resolution
 * that came in meanwhile is seen. Durable before the caller suspends.
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
      },
    },
    { upsert: true, returnDocument: 'after' },
  );
  if (!doc) throw new Error(`wait ${_id} vanished after its upsert`);
  return doc;
}

export type ResumeRefusal = 'not_found' | 'already_resolved' | 'expired';

export type ResolveRunWaitResult =
  | { readonly ok: true; readonly wait: RunWaitDoc }
  | { readonly ok: false; readonly code: ResumeRefusal; readonly message: string; readonly wait?: RunWaitDoc };

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
export async function resolveRunWait(models: Models, args: ResolveRunWaitArgs): Promise<ResolveRunWaitResult> {
  const _id = runWaitIdOf(args.runId, args.nodeId, args.itemIndex);
  const now = args.now ?? new Date();
  const resolution: RunWaitResolutionDoc = { decision: args.decision, by: args.by, data: args.data ?? null, timedOut: false };
  const won = await collectionOf(models).findOneAndUpdate(
    { _id, workspaceId: args.workspaceId, resolvedAt: null, expiresAt: { $gt: now } },
    { $set: { resolvedAt: now, resolution, resumeRun: true } },
    { returnDocument: 'after' },
  );
  if (won) return { ok: true, wait: won };
  const found = (await collectionOf(models).findOne({ _id, workspaceId: args.workspaceId })) as RunWaitDoc | null;
  const step = args.itemIndex === undefined ? `node "${args.nodeId}"` : `node "${args.nodeId}" (item ${args.itemIndex})`;
  if (!found)
    return {
      ok: false,
      code: 'not_found',
      message: `run ${args.runId.toHexString()} has no wait at ${step}: it has not reached it, or the node does not wait`,
    };
  if (found.resolvedAt)
    return { ok: false, code: 'already_resolved', message: `the wait at ${step} cannot be resumed again: ${describeResolution(found)}`, wait: found };
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
  if (result !== 'running') await collectionOf(models).updateOne({ _id: wait._id }, { $unset: { resumeRun: '' } });
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
