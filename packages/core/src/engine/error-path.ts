/**
 * Error paths: a node whose `error` output has an edge does not fail the run when it fails for
 * good (a fatal error, or its retries exhausted). Its step stays `failed`, marked `handled`, with
 * `{ code, message, attempts, retryable }` as its output, and it fires `error` only: what follows
 * its other outputs is skipped, what follows `error` runs, and the run can succeed. Without such
 * an edge nothing changes. The engine asks here at the one place a node's failure settles.
 */
import type { ExecutionPlan } from '../graph/execution-plan.js';
import type { NodeRunState } from '../graph/types.js';
import { ERROR_HANDLE } from '../nodes/output-handles.js';
import type { Step, StepError } from '../schemas/entities.js';

/** What the `error` output carries. */
export interface ErrorOutput {
  readonly code: string;
  readonly message: string;
  readonly attempts: number;
  /** The last attempt's error was retryable (the retries ran out) rather than fatal. */
  readonly retryable: boolean;
}

/** Whether an edge leaves the node's `error` output. */
export function hasErrorPath(plan: Pick<ExecutionPlan, 'outgoingByHandle'>, nodeId: string): boolean {
  return (plan.outgoingByHandle.get(nodeId)?.get(ERROR_HANDLE)?.length ?? 0) > 0;
}

/**
 * The step a failure settles as: taken by the error path when the node has one (failed, handled,
 * the error as output, `error` fired), else the failed step unchanged.
 */
export function settleFailedStep(
  plan: Pick<ExecutionPlan, 'outgoingByHandle'>,
  failed: Step & { readonly error: StepError },
): Step {
  if (!hasErrorPath(plan, failed.nodeId)) return failed;
  const output: ErrorOutput = {
    code: failed.error.code,
    message: failed.error.message,
    attempts: failed.attempts,
    retryable: failed.error.retryable,
  };
  return { ...failed, handled: true, output, outputTruncated: false, firedHandles: [ERROR_HANDLE] };
}

/**
 * The state a persisted step gives the run on resume: only settled steps count as done. A handled
 * failure counts as a success that fired `error`, so its error path goes on and nothing upstream
 * of the rest is poisoned.
 */
export function resumedState(step: Step): NodeRunState | undefined {
  if (step.status === 'failed' && step.handled === true)
    return { status: 'succeeded', firedHandles: step.firedHandles ?? [ERROR_HANDLE] };
  if (step.status === 'succeeded')
    return step.firedHandles
      ? { status: 'succeeded', firedHandles: step.firedHandles }
      : { status: 'succeeded' };
  if (step.status === 'skipped' || step.status === 'failed') return { status: step.status };
  return undefined;
}
