import type { RunStatus, StepError } from '../schemas/entities.js';

/** What a scenario call asks for: which scenario, with which trigger input, waited for or not. */
export interface ChildRunRequest {
  readonly scenarioId: string;
  readonly input: unknown;
  readonly wait: boolean;
}

/** A child run as the calling step sees it. */
export interface ChildRunState {
  readonly runId: string;
  readonly scenarioId: string;
  readonly status: RunStatus;
  /** Once it succeeded: the outputs of its final steps (see `childRunOutput`). */
  readonly output?: unknown;
  /** Once it failed, died or was cancelled: its run error. */
  readonly error?: StepError | null;
  /** A dry-run's stand-in: no run was created. */
  readonly simulated?: boolean;
}

/** How a node starts other scenarios: the runner creates runs, dry-run simulates them. */
export interface ScenarioCalls {
  /**
   * Starts the child run of this step, once: the child's id is derived from the calling run and
   * node, so a retry or a resumed run gets the same child back, in its current state. Throws a
   * fatal WeftError when the target cannot be called (unknown, archived, unpublished, another
   * workspace, too deep a chain, a recursion).
   */
  start(request: ChildRunRequest): Promise<ChildRunState>;
}
