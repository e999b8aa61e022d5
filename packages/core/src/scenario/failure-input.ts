/**
 * What a failure handler run receives as its trigger input (`trigger` in its expressions): the
 * run that failed, its failed step, the run's error, and what started that run.
 */
export interface FailureHandlerInput {
  readonly run: {
    readonly id: string;
    readonly scenarioId: string;
    readonly version: number;
    readonly status: 'failed' | 'dead';
    readonly triggerKind: string;
    readonly correlationId: string;
    readonly startedAt: string | null;
    readonly finishedAt: string | null;
  };
  /** The step that failed the run; null when the run failed before or outside a step. */
  readonly failedStep: {
    readonly nodeId: string;
    readonly nodeType: string;
    readonly attempts: number;
    readonly error: { readonly code: string; readonly message: string; readonly retryable: boolean } | null;
  } | null;
  readonly error: { readonly code: string; readonly message: string; readonly retryable: boolean } | null;
  /** The failed run's own trigger input. */
  readonly trigger: unknown;
}

interface FailedRun {
  readonly id: string;
  readonly scenarioId: string;
  readonly version: number;
  readonly status: 'failed' | 'dead';
  readonly triggerKind: string;
  readonly correlationId: string;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  readonly input: unknown;
  readonly error: { code: string; message: string; retryable: boolean; details?: unknown } | null;
  readonly steps: readonly {
    nodeId: string;
    nodeType: string;
    status: string;
    attempts: number;
    handled?: boolean;
    error: { code: string; message: string; retryable: boolean } | null;
  }[];
}

const brief = (error: { code: string; message: string; retryable: boolean } | null) =>
  error ? { code: error.code, message: error.message, retryable: error.retryable } : null;

/** The failed step is the one the run's error names, else the first failed step no error path took. */
export function failureHandlerInput(run: FailedRun): FailureHandlerInput {
  const named = (run.error?.details as { nodeId?: unknown } | undefined)?.nodeId;
  const step =
    run.steps.find((s) => s.nodeId === named) ??
    run.steps.find((s) => s.status === 'failed' && s.handled !== true) ??
    null;
  return {
    run: {
      id: run.id,
      scenarioId: run.scenarioId,
      version: run.version,
      status: run.status,
      triggerKind: run.triggerKind,
      correlationId: run.correlationId,
      startedAt: run.startedAt?.toISOString() ?? null,
      finishedAt: run.finishedAt?.toISOString() ?? null,
    },
    failedStep: step
      ? { nodeId: step.nodeId, nodeType: step.nodeType, attempts: step.attempts, error: brief(step.error) }
      : null,
    error: brief(run.error),
    trigger: run.input ?? null,
  };
}
