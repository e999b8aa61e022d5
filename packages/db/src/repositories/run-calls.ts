import { createHash } from 'node:crypto';
import { FINAL_RUN_STATUSES, type RunStatus } from '@weft/core';
import type { Agenda } from 'agenda';
import { Types } from 'mongoose';
import { toObjectId } from '../ids.js';
import type { Models, RunDoc, RunTraceDoc, ScenarioDoc, ScenarioVersionDoc } from '../models.js';
import { wakeWaitingRun } from './run-waits.js';
import { createRuns, newRunOfVersion } from './run-life.js';

const FINAL: readonly RunStatus[] = FINAL_RUN_STATUSES;

/**
 * The id of the run a call step starts: derived from the calling run and the step, so every
 * attempt and every resume of the step names the same child, and its insert can happen only once.
 * The first 4 bytes are the parent's (its creation second), so children sort with their parents.
 */
export function childRunIdOf(parentRunId: Types.ObjectId, stepKey: string): Types.ObjectId {
  const hash = createHash('sha256').update(`${parentRunId.toHexString()}:${stepKey}`).digest('hex');
  return new Types.ObjectId(parentRunId.toHexString().slice(0, 8) + hash.slice(0, 16));
}

export type CallRefusalCode = 'call_target_unavailable' | 'call_depth_exceeded' | 'call_recursion';

export interface StartChildRunArgs {
  readonly parent: Pick<RunDoc, '_id' | 'workspaceId' | 'scenarioId' | 'correlationId' | 'callPath'>;
  readonly nodeId: string;
  /** Inside a for-each body: the item the step is for (each item calls a child of its own). */
  readonly itemIndex?: number;
  readonly scenarioId: string;
  readonly input: unknown;
  readonly wait: boolean;
  /** The longest allowed chain of calls: a child deeper than this is refused. */
  readonly maxDepth: number;
  /** Published versions by id (they are immutable: a cache serves). */
  readonly loadVersion: (id: Types.ObjectId) => Promise<ScenarioVersionDoc | null>;
  /** The trace the child continues (the calling step's), see RunDoc.trace. */
  readonly trace?: RunTraceDoc;
  readonly now?: Date;
}

export type StartChildRunResult =
  | { readonly ok: true; readonly run: RunDoc }
  | {
      readonly ok: false;
      readonly code: CallRefusalCode;
      readonly message: string;
      readonly details: Record<string, unknown>;
    };

async function scenarioNames(models: Models, ids: readonly Types.ObjectId[]): Promise<Map<string, string>> {
  const docs = await models.Scenario.find({ _id: { $in: [...ids] } }, { name: 1 })
    .lean<Pick<ScenarioDoc, '_id' | 'name'>[]>()
    .exec();
  return new Map(docs.map((doc) => [doc._id.toHexString(), doc.name]));
}

/**
 * Starts the child run of a call step, exactly once: the child's id is `childRunIdOf(parent,
 * node)`, so a step that runs again (retry, crash, resume) finds the child it started and gets it
 * back as it is now, whatever became of the target since (the child is pinned to the version
 * published when it was created). A new child is refused when the target is not a live,
 * published scenario of the parent's workspace, when it is already in the chain of calls
 * (recursion), or when the chain would be longer than `maxDepth`. The child is a queued run, so
 * the runners' run feed picks it up; its insert is durable before the caller suspends.
 */
export async function startChildRun(models: Models, args: StartChildRunArgs): Promise<StartChildRunResult> {
  const id = childRunIdOf(
    args.parent._id,
    args.itemIndex === undefined ? args.nodeId : `${args.nodeId}:${args.itemIndex}`,
  );
  const existing = await models.Run.collection.findOne({ _id: id });
  if (existing) return { ok: true, run: existing as unknown as RunDoc };

  const refuse = (
    code: CallRefusalCode,
    message: string,
    details: Record<string, unknown>,
  ): StartChildRunResult => ({
    ok: false,
    code,
    message,
    details: { scenarioId: args.scenarioId, ...details },
  });
  if (!/^[0-9a-f]{24}$/.test(args.scenarioId))
    return refuse('call_target_unavailable', `scenarioId "${args.scenarioId}" is not a scenario id`, {});
  const targetId = toObjectId(args.scenarioId, 'scenarioId');
  const callPath = [...(args.parent.callPath ?? []), args.parent.scenarioId];
  if (callPath.some((scenarioId) => scenarioId.equals(targetId))) {
    const names = await scenarioNames(models, [...callPath, targetId]);
    const chain = [...callPath, targetId].map(
      (sid) => `"${names.get(sid.toHexString()) ?? sid.toHexString()}"`,
    );
    return refuse('call_recursion', `calling scenario ${chain.at(-1)} would recurse: ${chain.join(' → ')}`, {
      callPath: callPath.map((sid) => sid.toHexString()),
    });
  }
  if (callPath.length > args.maxDepth) {
    return refuse(
      'call_depth_exceeded',
      `this run is ${callPath.length - 1} calls deep; another call would exceed the limit of ${args.maxDepth} (WEFT_RUNNER_MAX_CALL_DEPTH)`,
      { depth: callPath.length, maxDepth: args.maxDepth },
    );
  }
  const target = await models.Scenario.findOne({ _id: targetId, workspaceId: args.parent.workspaceId })
    .lean<ScenarioDoc>()
    .exec();
  if (!target)
    return refuse(
      'call_target_unavailable',
      `no scenario with the id "${args.scenarioId}" in this workspace`,
      {},
    );
  if (target.archivedAt)
    return refuse('call_target_unavailable', `scenario "${target.name}" is archived`, {});
  const version = target.publishedVersionId ? await args.loadVersion(target.publishedVersionId) : null;
  if (!version) return refuse('call_target_unavailable', `scenario "${target.name}" is not published`, {});

  await createRuns(
    models,
    [
      {
        ...(await newRunOfVersion(version, {
          id,
          kind: 'call',
          correlationId: args.parent.correlationId,
          input: args.input,
          ...(args.trace ? { trace: args.trace } : {}),
        })),
        call: {
          parent: {
            runId: args.parent._id,
            nodeId: args.nodeId,
            scenarioId: args.parent.scenarioId,
            wait: args.wait,
          },
          callPath,
        },
      },
    ],
    args.now,
  );
  // Read back: a concurrent start of the same step (a run taken over) may have inserted it first.
  const run = await models.Run.collection.findOne({ _id: id });
  if (!run) throw new Error(`child run ${id.toHexString()} vanished after its insert`);
  return { ok: true, run: run as unknown as RunDoc };
}

export type ResumeParentResult = 'no_parent' | 'resumed' | 'parent_done' | 'parent_running';

/**
 * After a child run ended: resumes its waiting parent now (its resume time set to now, then a job
 * due now), so the parent's call step reads the child's outcome. A parent that is queued will read
 * it anyway and a finished one needs nothing; both clear the child's `resumeParent`. A parent still
 * running is left alone with the flag set: it checks its children itself after it suspends (see
 * `childRunsToResume`), and the sweep tries again. A parent that suspended between the two reads
 * here is tried again (see `wakeWaitingRun`), so the flag is never cleared while the parent waits. A crash between the
 * steps leaves either a waiting parent due without a job (swept) or the child's flag set (swept).
 */
export async function resumeParentOf(
  models: Models,
  queue: Agenda,
  child: Pick<RunDoc, '_id' | 'parent'>,
  now = new Date(),
): Promise<ResumeParentResult> {
  const parent = child.parent;
  if (!parent?.wait) return 'no_parent';
  const woken = await wakeWaitingRun(models, queue, parent.runId, now);
  if (woken === 'running') return 'parent_running';
  await models.Run.collection.updateOne({ _id: child._id }, { $unset: { resumeParent: '' } });
  return woken === 'resumed' ? 'resumed' : 'parent_done';
}

/** A parent's children that ended and still have to resume it (checked after the parent suspends). */
export function childRunsToResume(models: Models, parentRunId: Types.ObjectId) {
  return models.Run.find(
    { 'parent.runId': parentRunId, resumeParent: true, status: { $in: [...FINAL] } },
    { _id: 1, parent: 1 },
  )
    .lean<Pick<RunDoc, '_id' | 'parent'>[]>()
    .exec();
}

/** Children that ended before `endedBefore` and have not resumed their parent: the sweep's share. */
export function unresumedChildRuns(models: Models, endedBefore: Date, limit: number) {
  return models.Run.find({ resumeParent: true, finishedAt: { $lt: endedBefore } }, { _id: 1, parent: 1 })
    .limit(limit)
    .lean<Pick<RunDoc, '_id' | 'parent'>[]>()
    .exec();
}

export type ChildRunSummaryDoc = Pick<
  RunDoc,
  '_id' | 'scenarioId' | 'status' | 'parent' | 'createdAt' | 'finishedAt' | 'error'
>;

/** The runs a run started with scenario calls, oldest first. */
export function listChildRuns(models: Models, workspaceId: Types.ObjectId, parentRunId: Types.ObjectId) {
  return models.Run.find(
    { 'parent.runId': parentRunId, workspaceId },
    { _id: 1, scenarioId: 1, status: 1, parent: 1, createdAt: 1, finishedAt: 1, error: 1 },
  )
    .sort({ createdAt: 1, _id: 1 })
    .lean<ChildRunSummaryDoc[]>()
    .exec();
}
