import {
  FlowKeyError,
  hasFlowControl,
  nextFlowStage,
  pendingStepOf,
  type RunFlow,
  runFlowOf,
  type RunStatus,
  type RunTriggerKind,
  type SearchKeyValue,
  type Step,
  type StepError,
} from '@weft/core';
import type { Types } from 'mongoose';
import { insertFailures } from '../bulk-insert.js';
import { isDatabaseUnavailable } from '../unavailable.js';
import { newObjectId, toObjectId } from '../ids.js';
import type { Models, RunDoc, RunParentDoc, RunTraceDoc, ScenarioVersionDoc } from '../models.js';

export interface NewRun {
  _id?: Types.ObjectId;
  workspaceId: Types.ObjectId;
  scenarioId: Types.ObjectId;
  scenarioVersionId: Types.ObjectId;
  version: number;
  trigger: {
    kind: RunTriggerKind;
    deliveryId?: Types.ObjectId | null;
    replayOf?: Types.ObjectId | null;
    failureOf?: Types.ObjectId | null;
  };
  correlationId: string;
  /** The trace the run continues (see RunDoc.trace). */
  trace?: RunTraceDoc;
  input: unknown;
  /** One entry per node, all `pending`: steps are then updated in place by node id. */
  nodes: readonly { id: string; type: string }[];
  /** Steps to start from instead of pending ones (a replay from the failed step reuses earlier outputs). */
  steps?: readonly Step[];
  /** A run started by a scenario call (see run-calls.ts). */
  call?: { parent: RunParentDoc; callPath: readonly Types.ObjectId[] };
  /** Its version's flow control with this run's keys: the run is created waiting in its first stage. */
  flow?: RunFlow;
  /**
   * Why the run cannot start at all (its flow key failed): it is created `failed` with this error,
   * and with its version's failure handler pending (the sweep starts it, as after a crash).
   */
  failure?: { error: StepError; failureHandler?: { scenarioId: Types.ObjectId; runId: Types.ObjectId } };
  /** The search key values of its delivery (or of the run it replays). */
  searchKeys?: readonly SearchKeyValue[];
}

/**
 * A queued run of a published version, one pending step per node of that version. A version with
 * flow control gets the run's keys computed here, from its input: every way a run is created
 * (webhooks, manual runs, schedules, calls, replays, redeliveries, failure handlers) goes through
 * this, so no run escapes its scenario's flow control. A key that cannot be computed makes the run
 * `failed`, its error naming the field (and its failure handler, if any, pending).
 */
export async function newRunOfVersion(
  version: Pick<
    ScenarioVersionDoc,
    '_id' | 'workspaceId' | 'scenarioId' | 'version' | 'nodes' | 'flowControl' | 'onFailure'
  >,
  run: {
    readonly id: Types.ObjectId;
    readonly kind: RunTriggerKind;
    readonly deliveryId?: Types.ObjectId | null;
    readonly replayOf?: Types.ObjectId | null;
    readonly failureOf?: Types.ObjectId | null;
    readonly correlationId: string;
    readonly trace?: RunTraceDoc;
    readonly input: unknown;
    readonly steps?: readonly Step[];
    readonly searchKeys?: readonly SearchKeyValue[] | undefined;
  },
): Promise<NewRun> {
  const flow = await flowOfRun(version.flowControl, run.kind, run.input);
  return {
    ...(flow.flow ? { flow: flow.flow } : {}),
    ...(flow.error
      ? {
          failure: {
            error: flow.error,
            // A handler run's own failure starts nothing (as in the runner's failureHandlerOf).
            ...(version.onFailure && run.kind !== 'failure'
              ? { failureHandler: { scenarioId: version.onFailure, runId: newObjectId() } }
              : {}),
          },
        }
      : {}),
    _id: run.id,
    workspaceId: version.workspaceId,
    scenarioId: version.scenarioId,
    scenarioVersionId: version._id,
    version: version.version,
    trigger: {
      kind: run.kind,
      deliveryId: run.deliveryId ?? null,
      replayOf: run.replayOf ?? null,
      ...(run.failureOf ? { failureOf: run.failureOf } : {}),
    },
    correlationId: run.correlationId,
    ...(run.trace ? { trace: run.trace } : {}),
    input: run.input,
    // A loop body's steps are stored per item (see loop-items.ts), not among the run's steps.
    nodes: version.nodes
      .filter((node) => node.parentId === undefined)
      .map((node) => ({ id: node.id, type: node.type })),
    ...(run.steps ? { steps: run.steps } : {}),
    ...(run.searchKeys && run.searchKeys.length > 0 ? { searchKeys: run.searchKeys } : {}),
  };
}

async function flowOfRun(
  flowControl: ScenarioVersionDoc['flowControl'],
  kind: RunTriggerKind,
  input: unknown,
): Promise<{ flow?: RunFlow; error?: StepError }> {
  // A replay runs one input again (in debounce mode `all`, the batch it collected): it is not a
  // new arrival to debounce, but it still keeps to the throttle and the concurrency limit.
  const applies = kind === 'replay' && flowControl ? { ...flowControl, debounce: null } : flowControl;
  if (!hasFlowControl(applies)) return {};
  try {
    return { flow: await runFlowOf(applies, input) };
  } catch (error) {
    if (!(error instanceof FlowKeyError)) throw error;
    return { error: { code: 'flow_key_failed', message: error.message, retryable: false } };
  }
}

/** A run's steps start pending, one per node; they are then updated in place by node id. */
export function pendingStep(nodeId: string, nodeType: string): Step {
  return pendingStepOf({ id: nodeId, type: nodeType });
}

function runDocument(run: NewRun, now: Date) {
  const waitingFor = run.flow && !run.failure ? nextFlowStage(run.flow) : null;
  return {
    _id: run._id ?? newObjectId(),
    workspaceId: run.workspaceId,
    scenarioId: run.scenarioId,
    scenarioVersionId: run.scenarioVersionId,
    version: run.version,
    trigger: {
      kind: run.trigger.kind,
      deliveryId: run.trigger.deliveryId ?? null,
      replayOf: run.trigger.replayOf ?? null,
      ...(run.trigger.failureOf ? { failureOf: run.trigger.failureOf } : {}),
    },
    correlationId: run.correlationId,
    ...(run.trace ? { trace: { traceparent: run.trace.traceparent } } : {}),
    input: run.input,
    status: (run.failure ? 'failed' : 'queued') as RunStatus,
    steps: run.nodes.map((n) => run.steps?.find((s) => s.nodeId === n.id) ?? pendingStep(n.id, n.type)),
    error: run.failure?.error ?? null,
    cancelRequested: false,
    leaseOwner: null,
    leaseExpiresAt: null,
    claims: 0,
    resumeAt: null,
    finishedAt: run.failure ? now : null,
    createdAt: now,
    updatedAt: now,
    ...(run.flow ? { flow: run.flow } : {}),
    ...(waitingFor ? { waitingFor } : {}),
    ...(run.failure?.failureHandler
      ? { failureHandler: { ...run.failure.failureHandler, pending: true, error: null } }
      : {}),
    ...(run.searchKeys && run.searchKeys.length > 0 ? { searchKeys: [...run.searchKeys] } : {}),
    ...(run.call
      ? {
          parent: run.call.parent,
          callPath: [...run.call.callPath],
          ...(run.call.parent.wait ? { resumeParent: true } : {}),
        }
      : {}),
  };
}

/**
 * Inserts queued runs. Inserting a run whose id exists already is not an error: the caller is
 * repairing an interrupted dispatch, and the run it meant is there.
 */
export async function createRuns(
  models: Models,
  runs: readonly NewRun[],
  now = new Date(),
): Promise<Types.ObjectId[]> {
  if (runs.length === 0) return [];
  const docs = runs.map((run) => runDocument(run, now));
  try {
    await models.Run.collection.insertMany(docs, { ordered: false });
  } catch (error) {
    // Only duplicates of existing runs are fine; anything else (a lost connection too) is thrown.
    const failures = insertFailures(error);
    if (!failures || [...failures.values()].some((f) => f.code !== 11000)) throw error;
  }
  return docs.map((d) => d._id);
}

/**
 * `createRuns` for several groups in one unordered insert (the api's webhooks of one group commit,
 * each with its own runs and creation time). Each group gets its own outcome: a run the database
 * refuses fails only its group, never the others; a duplicate of an existing run is fine. A
 * refusal of the whole insert (the driver's, e.g. a document over 16 MiB) is sorted out by
 * inserting each group alone (run ids make that idempotent); an outage fails every group.
 */
export async function createRunGroups(
  models: Models,
  groups: readonly { readonly runs: readonly NewRun[]; readonly now: Date }[],
): Promise<({ readonly ok: true } | { readonly ok: false; readonly error: unknown })[]> {
  const docs = groups.flatMap((group) => group.runs.map((run) => runDocument(run, group.now)));
  const failed = new Map<number, unknown>();
  if (docs.length > 0) {
    try {
      await models.Run.collection.insertMany(docs, { ordered: false });
    } catch (error) {
      const failures = insertFailures(error);
      if (!failures) {
        if (groups.length === 1 || isDatabaseUnavailable(error)) throw error;
        return Promise.all(
          groups.map(async (group) => {
            try {
              await createRuns(models, group.runs, group.now);
              return { ok: true as const };
            } catch (groupError) {
              return { ok: false as const, error: groupError };
            }
          }),
        );
      }
      for (const [index, failure] of failures) if (failure.code !== 11000) failed.set(index, failure.error);
    }
  }
  let start = 0;
  return groups.map((group) => {
    const end = start + group.runs.length;
    let error: unknown;
    for (let i = start; i < end && error === undefined; i++) error = failed.get(i);
    start = end;
    return error === undefined ? { ok: true as const } : { ok: false as const, error };
  });
}

/** A job may fire this much before a waiting run's `resumeAt` (timer granularity) and still claim it. */
export const CLAIM_EARLY_TOLERANCE_MS = 250;

export interface ClaimOptions {
  owner: string;
  leaseMs: number;
  now?: Date;
}

/**
 * Compare-and-set claim: a queued run, a waiting run whose retry or delay is due, or a running
 * run whose lease expired (its runner died) becomes `running` under this owner's lease. Exactly
 * one of several concurrent claimers gets the run; the others get null.
 */
export async function claimRun(
  models: Models,
  runId: string | Types.ObjectId,
  options: ClaimOptions,
): Promise<RunDoc | null> {
  const now = options.now ?? new Date();
  // The hot writes of a run go to the driver's collection: steps are Mixed and every value has its
  // stored type already, so mongoose's casting (array filters, paths, timestamps) would only cost.
  return models.Run.collection.findOneAndUpdate(
    {
      _id: toObjectId(runId, 'runId'),
      $or: [
        // A run waiting for a flow stage only once the flow admitter let it go (flow-control.ts).
        { status: 'queued', waitingFor: null },
        // A waiting run only once its retry or delay is due: an extra job must not retry it early.
        { status: 'waiting', resumeAt: { $lte: new Date(now.getTime() + CLAIM_EARLY_TOLERANCE_MS) } },
        { status: 'waiting', resumeAt: null },
        { status: 'running', leaseExpiresAt: { $lt: now } },
      ],
    },
    claimUpdate(options.owner, options.leaseMs, now),
    { returnDocument: 'after' },
  ) as Promise<RunDoc | null>;
}

/**
 * What a claim writes: `running` under `owner`'s lease, counted (`claims`, and `unsettledClaims`
 * until the run settles), started once.
 */
export function claimUpdate(owner: string, leaseMs: number, now: Date) {
  return {
    $set: {
      status: 'running' as const,
      leaseOwner: owner,
      leaseExpiresAt: new Date(now.getTime() + leaseMs),
      resumeAt: null,
      updatedAt: now,
    },
    $min: { startedAt: now },
    $inc: { claims: 1, unsettledClaims: 1 },
  };
}

export class LeaseLostError extends Error {
  constructor(
    readonly runId: string,
    readonly owner: string,
  ) {
    super(`run ${runId} is no longer leased by ${owner}`);
  }
}

function leased(runId: string | Types.ObjectId, owner: string) {
  return { _id: toObjectId(runId, 'runId'), status: 'running' as const, leaseOwner: owner };
}

export async function renewLease(
  models: Models,
  runId: string | Types.ObjectId,
  owner: string,
  leaseMs: number,
  now = new Date(),
) {
  const result = await models.Run.collection.updateOne(leased(runId, owner), {
    $set: { leaseExpiresAt: new Date(now.getTime() + leaseMs) },
  });
  if (result.matchedCount === 0) throw new LeaseLostError(String(runId), owner);
}

/**
 * Records one step as it settles (or starts), only while this owner still holds the lease, so
 * a runner that lost its run cannot overwrite the new owner's progress.
 */
export async function saveStep(
  models: Models,
  runId: string | Types.ObjectId,
  owner: string,
  step: Step,
  now = new Date(),
) {
  const result = await models.Run.collection.updateOne(
    { ...leased(runId, owner), 'steps.nodeId': step.nodeId },
    { $set: { 'steps.$': step, updatedAt: now } },
  );
  if (result.matchedCount === 0) throw new LeaseLostError(String(runId), owner);
}

/**
 * Records several steps in one update (arrayFilters by node id), only while this owner holds the
 * lease: the runner batches steps of nodes without outside effects with the next durable write.
 *
 * With `leaseMs` the same update extends the lease to `now + leaseMs`. The runner writes a step
 * this way just before a node with outside effects starts: the write fences the effect (a runner
 * that lost the run cannot start it) and leaves it a whole lease, so another runner cannot take the
 * run over mid-call because a renewal tick came late.
 */
export async function saveSteps(
  models: Models,
  runId: string | Types.ObjectId,
  owner: string,
  steps: readonly Step[],
  options: { readonly leaseMs?: number; readonly now?: Date } = {},
): Promise<void> {
  if (steps.length === 0) return;
  const now = options.now ?? new Date();
  const { set, arrayFilters } = stepsUpdate(steps);
  const lease =
    options.leaseMs === undefined ? {} : { leaseExpiresAt: new Date(now.getTime() + options.leaseMs) };
  const result = await models.Run.collection.updateOne(
    leased(runId, owner),
    { $set: { ...set, ...lease, updatedAt: now } },
    { arrayFilters },
  );
  if (result.matchedCount === 0) throw new LeaseLostError(String(runId), owner);
}

/** `$set` entries and array filters that replace these steps in place, by node id. */
function stepsUpdate(steps: readonly Step[]) {
  const set: Record<string, unknown> = {};
  const arrayFilters = steps.map((step, i) => {
    set[`steps.$[s${i}]`] = step;
    return { [`s${i}.nodeId`]: step.nodeId };
  });
  return { set, arrayFilters };
}

export type FinalRunStatus = Extract<RunStatus, 'succeeded' | 'failed' | 'dead' | 'cancelled'>;

/**
 * Settles a run, only while this owner holds the lease. `steps` (steps not stored yet, see the
 * runner's StepWriter) are written in the same update: a run's last steps and its outcome are one
 * write.
 */
export async function finishRun(
  models: Models,
  runId: string | Types.ObjectId,
  owner: string,
  outcome: {
    status: FinalRunStatus;
    error?: StepError | null;
    steps?: readonly Step[];
    /**
     * The failure handler to start (a failed or dead run): recorded `pending` by this same update,
     * so the run cannot become final without it; `createFailureHandlerRun` then creates it.
     */
    failureHandler?: { scenarioId: Types.ObjectId; runId: Types.ObjectId };
  },
  now = new Date(),
) {
  const steps = outcome.steps && outcome.steps.length > 0 ? stepsUpdate(outcome.steps) : undefined;
  const result = await models.Run.collection.updateOne(
    leased(runId, owner),
    {
      $set: {
        ...steps?.set,
        status: outcome.status,
        error: outcome.error ?? null,
        finishedAt: now,
        updatedAt: now,
        leaseOwner: null,
        leaseExpiresAt: null,
        ...(outcome.failureHandler
          ? { failureHandler: { ...outcome.failureHandler, pending: true, error: null } }
          : {}),
      },
    },
    steps ? { arrayFilters: steps.arrayFilters } : {},
  );
  if (result.matchedCount === 0) throw new LeaseLostError(String(runId), owner);
}

/**
 * Hands a run back: `waiting` until `resumeAt` (a retry backoff or a durable delay), or `queued`
 * (graceful shutdown) for any runner to claim.
 */
export async function releaseRun(
  models: Models,
  runId: string | Types.ObjectId,
  owner: string,
  next: ({ status: 'waiting'; resumeAt: Date } | { status: 'queued' }) & {
    /** The run's own outcome released it (not an error hand-back): its unsettled claims start over. */
    readonly settled?: boolean;
  },
  now = new Date(),
) {
  const result = await models.Run.collection.updateOne(leased(runId, owner), {
    $set: {
      status: next.status,
      resumeAt: next.status === 'waiting' ? next.resumeAt : null,
      leaseOwner: null,
      leaseExpiresAt: null,
      updatedAt: now,
      ...(next.settled ? { unsettledClaims: 0 } : {}),
    },
  });
  if (result.matchedCount === 0) throw new LeaseLostError(String(runId), owner);
}

/** Asks a run to stop before its next step; a run not started yet is cancelled at once. */
export async function requestCancel(
  models: Models,
  workspaceId: Types.ObjectId,
  runId: string | Types.ObjectId,
  now = new Date(),
) {
  const id = toObjectId(runId, 'runId');
  const queued = await models.Run.updateOne(
    { _id: id, workspaceId, status: { $in: ['queued', 'waiting'] } },
    {
      $set: { status: 'cancelled', cancelRequested: true, waitingFor: null, finishedAt: now, updatedAt: now },
    },
    { timestamps: false },
  );
  if (queued.matchedCount > 0) return 'cancelled' as const;
  const running = await models.Run.updateOne(
    { _id: id, workspaceId, status: 'running' },
    { $set: { cancelRequested: true, updatedAt: now } },
    { timestamps: false },
  );
  return running.matchedCount > 0 ? ('requested' as const) : ('not_cancellable' as const);
}

/**
 * The runs collection as the queue of runs due now. A run is created `queued`; runners hear of it
 * through a change stream on run inserts (`RUN_INSERTS_PIPELINE`, run-stream.ts) and claim it directly, without
 * an Agenda job per run (apps/runner/src/claiming/run-feed.ts). Agenda keeps what is due later: resumes of
 * waiting runs, released runs, schedules, sweeps.
 */

export interface QueuedClaimOptions {
  readonly owner: string;
  readonly leaseMs: number;
  readonly now?: Date;
}

/**
 * Claims one `queued` run among `runIds` (oldest id first) for `owner`: the same compare-and-set as
 * `claimRun` (`queued` → `running` under a lease), so concurrent claimers of one run get it once.
 * Several claimers can share one list of candidates: each gets a different run. Null when none of
 * them is queued any more.
 */
export function claimQueuedRun(
  models: Models,
  runIds: readonly Types.ObjectId[],
  options: QueuedClaimOptions,
): Promise<RunDoc | null> {
  const now = options.now ?? new Date();
  return models.Run.collection.findOneAndUpdate(
    { _id: { $in: [...runIds] }, status: 'queued', waitingFor: null },
    claimUpdate(options.owner, options.leaseMs, now),
    { sort: { _id: 1 }, returnDocument: 'after' },
  ) as Promise<RunDoc | null>;
}

export interface QueuedRunRef {
  readonly id: Types.ObjectId;
  readonly workspaceId: Types.ObjectId;
}

/**
 * Queued runs to catch up on when a runner (re)starts listening, at most `limit`: the oldest of
 * every workspace with queued runs, the limit shared among them, so a workspace with a backlog of
 * thousands does not fill the page and hide another's single run.
 */
export async function findQueuedRuns(models: Models, limit: number): Promise<QueuedRunRef[]> {
  const workspaces = (await models.Run.distinct('workspaceId', {
    status: 'queued',
    waitingFor: null,
  })) as Types.ObjectId[];
  if (workspaces.length === 0) return [];
  const chosen = workspaces.slice(0, limit);
  const perWorkspace = Math.max(1, Math.ceil(limit / chosen.length));
  const pages = await Promise.all(
    chosen.map((workspaceId) =>
      models.Run.find({ workspaceId, status: 'queued', waitingFor: null }, { _id: 1, workspaceId: 1 })
        .sort({ createdAt: 1, _id: 1 })
        .limit(perWorkspace)
        .lean<{ _id: Types.ObjectId; workspaceId: Types.ObjectId }[]>()
        .exec(),
    ),
  );
  return pages.flat().map((row) => ({ id: row._id, workspaceId: row.workspaceId }));
}
