import {
  debounceDueAt,
  FINAL_RUN_STATUSES,
  type FlowStage,
  nextFlowStage,
  type RunStatus,
  throttleWindowStart,
} from '@weft/core';
import type { Types } from 'mongoose';
import { isDuplicateKeyError } from '../ids.js';
import type { FlowSlotDoc, FlowWindowDoc, Models, RunDoc } from '../models.js';

/**
 * Flow control across runners, held in the database. A run of a version with flow control is
 * created `queued` and `waitingFor` its first stage (debounce, then throttle, then concurrency);
 * claims take only runs that wait for nothing. The runners' flow admitter moves runs on:
 *
 * - debounce: the waiting runs of a (scenario, key) are one batch, due `periodMs` after the latest
 *   arrival and at most `maxWaitMs` after the first; when due, the latest goes on and the others
 *   are cancelled as superseded by it (`flow.supersededBy`); in mode `all` its input becomes the
 *   list of every input of the batch, oldest first.
 * - throttle: a fixed window per (scenario, key) counts the runs it let go (`flowWindows`); a full
 *   window keeps the rest waiting until the next.
 * - concurrency: a slot document per (scenario, key) lists the runs holding it (`flowSlots`), at
 *   most `limit`, changed only by compare-and-set on its version. A run holds its place from its
 *   admission until it is final, through retries, delays and a takeover after its runner died;
 *   each admission first drops holders that are final, so a place is never lost with a runner.
 *   The oldest waiting runs are admitted first: with limit 1, runs of a key run one after another
 *   in the order they were created.
 *
 * Each step is a conditional write on the run (still `queued`, still in that stage), so several
 * runners admitting the same key move each run once.
 */

const FINAL: readonly RunStatus[] = FINAL_RUN_STATUSES;

/** A run an admission let go: it waits in `waitingFor` next, or (null) may be claimed now. */
export interface AdmittedRun {
  readonly id: Types.ObjectId;
  readonly workspaceId: Types.ObjectId;
  readonly scenarioId: Types.ObjectId;
  readonly flow: NonNullable<RunDoc['flow']>;
  readonly waitingFor: FlowStage | null;
}

/** The runs waiting in one stage for one key of one scenario. */
export interface FlowGroup {
  readonly stage: FlowStage;
  readonly scenarioId: Types.ObjectId;
  readonly key: string;
}

type WaitingRun = Pick<RunDoc, '_id' | 'workspaceId' | 'scenarioId' | 'flow' | 'createdAt' | 'input'>;

const WAITING_FIELDS = { _id: 1, workspaceId: 1, scenarioId: 1, flow: 1, createdAt: 1 } as const;

export function flowGroupId(group: FlowGroup): string {
  return `${group.stage}:${group.scenarioId.toHexString()}:${group.key}`;
}

/** The group of a run waiting in `stage`. */
export function flowGroupOf(
  run: Pick<RunDoc, 'scenarioId' | 'flow'>,
  stage: FlowStage,
): FlowGroup | null {
  const key = run.flow?.[stage]?.key;
  return key === undefined ? null : { stage, scenarioId: run.scenarioId, key };
}

/** The groups with runs waiting (at most `limit` waiting runs are read). */
export async function findWaitingFlowGroups(models: Models, limit = 5_000): Promise<FlowGroup[]> {
  const runs = await models.Run.find(
    { waitingFor: { $type: 'string' }, status: 'queued' },
    { scenarioId: 1, flow: 1, waitingFor: 1 },
  )
    .limit(limit)
    .lean<Pick<RunDoc, 'scenarioId' | 'flow' | 'waitingFor'>[]>()
    .exec();
  const groups = new Map<string, FlowGroup>();
  for (const run of runs) {
    const group = run.waitingFor ? flowGroupOf(run, run.waitingFor) : null;
    if (group) groups.set(flowGroupId(group), group);
  }
  return [...groups.values()];
}

function waitingIn(models: Models, group: FlowGroup, exclude: readonly Types.ObjectId[] = []) {
  return models.Run.find(
    {
      waitingFor: group.stage,
      scenarioId: group.scenarioId,
      status: 'queued',
      [`flow.${group.stage}.key`]: group.key,
      ...(exclude.length > 0 ? { _id: { $nin: [...exclude] } } : {}),
    },
    WAITING_FIELDS,
  ).sort({ createdAt: 1, _id: 1 });
}

/**
 * Moves a run out of `stage` to its next one (or to none: claimable), only if it still waits there.
 * False when it does not (cancelled, or another runner moved it).
 */
async function leaveStage(
  models: Models,
  run: WaitingRun,
  stage: FlowStage,
  now: Date,
  extra: Record<string, unknown> = {},
): Promise<AdmittedRun | null> {
  const flow = run.flow ?? {};
  const next = nextFlowStage(flow, stage);
  const result = await models.Run.collection.updateOne(
    { _id: run._id, status: 'queued', waitingFor: stage },
    {
      $set: {
        waitingFor: next,
        updatedAt: now,
        ...(next === null ? { 'flow.admittedAt': now } : {}),
        ...extra,
      },
    },
  );
  if (result.matchedCount === 0) return null;
  return { id: run._id, workspaceId: run.workspaceId, scenarioId: run.scenarioId, flow, waitingFor: next };
}

const pause = () => new Promise((resolve) => setTimeout(resolve, Math.random() * 3));

export class FlowContentionError extends Error {
  constructor(what: string) {
    super(`could not update ${what}: too much contention`);
    this.name = 'FlowContentionError';
  }
}

function slotId(scenarioId: Types.ObjectId, key: string): string {
  return `${scenarioId.toHexString()}:${key}`;
}

/**
 * Admits runs of a concurrency group while it has free places: drops holders that are final,
 * finishes an admission a runner was cut off in (a holder still waiting), then gives the free
 * places to the oldest waiting runs. Also what releases a place: call it once a holder is final.
 */
export async function admitConcurrency(
  models: Models,
  scenarioId: Types.ObjectId,
  key: string,
  now = new Date(),
  maxRounds = 100,
): Promise<AdmittedRun[]> {
  const group: FlowGroup = { stage: 'concurrency', scenarioId, key };
  const _id = slotId(scenarioId, key);
  const admitted: AdmittedRun[] = [];
  for (let round = 0; round < maxRounds; round++) {
    const slot = await models.FlowSlot.findById(_id).lean<FlowSlotDoc>().exec();
    if (!slot) {
      try {
        await models.FlowSlot.updateOne(
          { _id },
          { $setOnInsert: { v: 0, holders: [], updatedAt: now } },
          { upsert: true },
        );
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      continue;
    }
    const live =
      slot.holders.length === 0
        ? []
        : await models.Run.find(
            { _id: { $in: slot.holders }, status: { $nin: [...FINAL] } },
            { ...WAITING_FIELDS, waitingFor: 1 },
          )
            .lean<(WaitingRun & Pick<RunDoc, 'waitingFor'>)[]>()
            .exec();
    for (const run of live) {
      if (run.waitingFor !== 'concurrency') continue;
      const moved = await leaveStage(models, run, 'concurrency', now);
      if (moved) admitted.push(moved);
    }
    const kept = slot.holders.filter((id) => live.some((run) => run._id.equals(id)));
    // The limit of the oldest waiting run: a version published since may have another.
    const [oldest] = await waitingIn(models, group, kept).limit(1).lean<WaitingRun[]>().exec();
    const limit = oldest?.flow?.concurrency?.limit ?? 0;
    const free = Math.max(0, limit - kept.length);
    const candidates =
      free === 0 || !oldest
        ? []
        : free === 1
          ? [oldest]
          : await waitingIn(models, group, kept).limit(free).lean<WaitingRun[]>().exec();
    if (candidates.length === 0 && kept.length === slot.holders.length) return admitted;
    const holders = [...kept, ...candidates.map((run) => run._id)];
    const taken = await models.FlowSlot.updateOne(
      { _id, v: slot.v },
      { $set: { holders, updatedAt: now }, $inc: { v: 1 } },
    );
    if (taken.matchedCount === 0) {
      await pause();
      continue;
    }
    // A candidate cancelled meanwhile stays a holder until the next admission drops it.
    for (const run of candidates) {
      const moved = await leaveStage(models, run, 'concurrency', now);
      if (moved) admitted.push(moved);
    }
    if (candidates.length < free || candidates.length === 0) return admitted;
  }
  throw new FlowContentionError(`the concurrency slot ${_id}`);
}

/** Counts one run in the window starting at `windowStart`; false when the window is full. */
async function countInWindow(
  models: Models,
  _id: string,
  windowStart: Date,
  count: number,
  now: Date,
): Promise<boolean> {
  for (let round = 0; round < 10; round++) {
    const same = await models.FlowWindow.updateOne(
      { _id, windowStart, count: { $lt: count } },
      { $inc: { count: 1 }, $set: { updatedAt: now } },
    );
    if (same.matchedCount === 1) return true;
    const later = await models.FlowWindow.updateOne(
      { _id, windowStart: { $lt: windowStart } },
      { $set: { windowStart, count: 1, updatedAt: now } },
    );
    if (later.matchedCount === 1) return true;
    const current = await models.FlowWindow.findById(_id).lean<FlowWindowDoc>().exec();
    if (current) {
      // This window is full (or a later one began: this runner's clock is behind).
      if (current.windowStart.getTime() >= windowStart.getTime()) return false;
      continue;
    }
    try {
      await models.FlowWindow.collection.insertOne({ _id, windowStart, count: 1, updatedAt: now } as never);
      return true;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
  }
  throw new FlowContentionError(`the throttle window ${_id}`);
}

/**
 * Lets the oldest runs of a throttle group go while the current window has room. `retryAt`: when
 * the next window opens, if runs are left waiting.
 */
export async function admitThrottle(
  models: Models,
  scenarioId: Types.ObjectId,
  key: string,
  now = new Date(),
): Promise<{ readonly admitted: AdmittedRun[]; readonly retryAt: Date | null }> {
  const group: FlowGroup = { stage: 'throttle', scenarioId, key };
  const _id = slotId(scenarioId, key);
  const admitted: AdmittedRun[] = [];
  for (;;) {
    const [run] = await waitingIn(models, group).limit(1).lean<WaitingRun[]>().exec();
    const throttle = run?.flow?.throttle;
    if (!run || !throttle) return { admitted, retryAt: null };
    const windowStart = throttleWindowStart(now, throttle.periodMs);
    if (!(await countInWindow(models, _id, windowStart, throttle.count, now))) {
      return { admitted, retryAt: new Date(windowStart.getTime() + throttle.periodMs) };
    }
    const moved = await leaveStage(models, run, 'throttle', now, { 'flow.throttleWindow': windowStart });
    if (moved) admitted.push(moved);
    else {
      // Another runner moved it, or it was cancelled: the place counted for it goes back.
      await models.FlowWindow.updateOne({ _id, windowStart, count: { $gt: 0 } }, { $inc: { count: -1 } });
    }
  }
}

/** The inputs of a debounce batch: of the runs it superseded (also through runs they superseded). */
async function supersededInputs(models: Models, runId: Types.ObjectId) {
  const found: { createdAt: Date; _id: Types.ObjectId; input: unknown }[] = [];
  let frontier = [runId];
  while (frontier.length > 0) {
    const runs = await models.Run.find(
      { 'flow.supersededBy': { $in: frontier }, status: 'cancelled' },
      { _id: 1, createdAt: 1, input: 1 },
    )
      .lean<{ _id: Types.ObjectId; createdAt: Date; input: unknown }[]>()
      .exec();
    found.push(...runs);
    frontier = runs.map((run) => run._id);
  }
  return found;
}

/**
 * Lets a debounce batch go once it is due: the latest run goes on, the others are cancelled as
 * superseded by it. `dueAt`: when the batch will be due, if it is not yet.
 */
export async function admitDebounce(
  models: Models,
  scenarioId: Types.ObjectId,
  key: string,
  now = new Date(),
): Promise<{ readonly admitted: AdmittedRun[]; readonly dueAt: Date | null }> {
  const group: FlowGroup = { stage: 'debounce', scenarioId, key };
  const batch = await waitingIn(models, group).limit(10_000).lean<WaitingRun[]>().exec();
  const first = batch[0];
  const last = batch.at(-1);
  const debounce = last?.flow?.debounce;
  if (!first || !last || !debounce) return { admitted: [], dueAt: null };
  const dueAt = debounceDueAt(first.createdAt, last.createdAt, debounce.periodMs, debounce.maxWaitMs);
  if (dueAt.getTime() > now.getTime()) return { admitted: [], dueAt };
  const others = batch.slice(0, -1).map((run) => run._id);
  if (others.length > 0) {
    await models.Run.collection.updateMany(
      { _id: { $in: others }, status: 'queued', waitingFor: 'debounce' },
      {
        $set: {
          status: 'cancelled',
          waitingFor: null,
          'flow.supersededBy': last._id,
          error: {
            code: 'debounced',
            message: `debounced: its batch ran as run ${last._id.toHexString()}`,
            retryable: false,
          },
          finishedAt: now,
          updatedAt: now,
        },
      },
    );
  }
  let extra: Record<string, unknown> = {};
  if (debounce.mode === 'all') {
    const [own] = await models.Run.find({ _id: last._id }, { input: 1 }).lean<{ input: unknown }[]>().exec();
    const inputs = [...(await supersededInputs(models, last._id)), { _id: last._id, createdAt: last.createdAt, input: own?.input }]
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a._id.toHexString().localeCompare(b._id.toHexString()))
      .map((run) => run.input);
    extra = { input: inputs, 'flow.collected': inputs.length };
  }
  const moved = await leaveStage(models, last, 'debounce', now, extra);
  return { admitted: moved ? [moved] : [], dueAt: null };
}
