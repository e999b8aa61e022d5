import { type ApprovalDecision, FINAL_RUN_STATUSES } from '@weft/core';
import { signResumeToken } from '@weft/core/secrets';
import { findRun, resolveRunWait, resumeRunOfWait, type RunWaitDoc } from '@weft/db';
import type { ApiDeps } from './deps.js';
import type { ObjectId } from './ids.js';

const FINAL: ReadonlySet<string> = new Set(FINAL_RUN_STATUSES);

/** The path of a wait's resume link (`GET`/`POST /resume/:token`), signed until the wait's deadline. */
export function resumePathOf(
  deps: Pick<ApiDeps, 'keyring'>,
  wait: Pick<RunWaitDoc, 'runId' | 'nodeId' | 'itemIndex' | 'expiresAt'>,
): string {
  const token = signResumeToken(deps.keyring, {
    runId: wait.runId.toHexString(),
    nodeId: wait.nodeId,
    ...(wait.itemIndex === null ? {} : { itemIndex: wait.itemIndex }),
    expiresAt: wait.expiresAt,
  });
  return `/resume/${token}`;
}

/** A run's wait as the run view shows it; `resumePath` only while an approval can still be decided. */
export function runWaitView(deps: Pick<ApiDeps, 'keyring' | 'clock'>, wait: RunWaitDoc) {
  const open =
    wait.kind === 'approval' && wait.resolvedAt === null && wait.expiresAt.getTime() > deps.clock().getTime();
  return {
    nodeId: wait.nodeId,
    itemIndex: wait.itemIndex,
    kind: wait.kind,
    message: wait.message,
    /** Event waits: the app and the key a delivery must carry. */
    appId: wait.appId?.toHexString() ?? null,
    correlationKey: wait.correlationKey ?? null,
    createdAt: wait.createdAt,
    expiresAt: wait.expiresAt,
    resolvedAt: wait.resolvedAt,
    resolution: wait.resolution,
    resumePath: open ? resumePathOf(deps, wait) : null,
  };
}

export type ResumeOutcome =
  | { readonly ok: true; readonly wait: RunWaitDoc }
  | {
      readonly ok: false;
      readonly code: 'not_found' | 'already_resolved' | 'expired' | 'run_finished';
      readonly message: string;
    };

export interface ResumeArgs {
  readonly workspaceId: ObjectId;
  readonly runId: ObjectId;
  readonly nodeId: string;
  readonly itemIndex?: number;
  readonly decision: ApprovalDecision;
  readonly by: string;
  readonly data: unknown;
}

/**
 * Resumes a run's wait, for the run page (`runs.resume`) and the resume link alike: the decision is
 * stored by a compare-and-set (a second resume is refused, naming the first), then the run is woken.
 * A failed wake is left to the run's own check and the sweep: the decision is already durable.
 */
export async function resumeWait(deps: ApiDeps, args: ResumeArgs): Promise<ResumeOutcome> {
  const { models } = deps.database;
  const run = await findRun(models, args.workspaceId, args.runId);
  if (!run)
    return {
      ok: false,
      code: 'not_found',
      message: `no run with the id "${args.runId.toHexString()}" in this workspace`,
    };
  if (FINAL.has(run.status))
    return {
      ok: false,
      code: 'run_finished',
      message: `run ${args.runId.toHexString()} has already finished (${run.status}); there is nothing to resume`,
    };
  const now = deps.clock();
  const resolved = await resolveRunWait(models, { ...args, now });
  if (!resolved.ok) return { ok: false, code: resolved.code, message: resolved.message };
  try {
    const woken = await resumeRunOfWait(models, deps.queue, resolved.wait, now);
    deps.logger.info(
      { runId: args.runId.toHexString(), nodeId: args.nodeId, decision: args.decision, by: args.by, woken },
      'wait resumed',
    );
  } catch (error) {
    deps.logger.warn(
      { err: error, runId: args.runId.toHexString() },
      'wait resumed; waking the run failed, the sweep will',
    );
  }
  return { ok: true, wait: resolved.wait };
}
