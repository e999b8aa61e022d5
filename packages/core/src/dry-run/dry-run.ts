import { executeRun, pendingStepOf } from '../engine/execute-run.js';
import type { GraphShape } from '../graph/types.js';
import type { HttpRequest } from '../nodes/types.js';
import type { LoopItem, Step, StepError } from '../schemas/entities.js';
import { createSimulatedHost, type DryRunLog } from './simulated-host.js';

export interface DryRunInput {
  readonly scenarioId: string;
  readonly graph: GraphShape;
  /** The sample payload, as the trigger would output it (e.g. `{ body, headers }` of a delivery). */
  readonly trigger: unknown;
  /** Node outputs to use instead of running those nodes. */
  readonly pinnedOutputs?: Readonly<Record<string, unknown>>;
  readonly now?: Date;
}

export interface DryRunNodeResult {
  readonly nodeId: string;
  readonly status: Step['status'];
  /** Failed, and taken by the node's error path. */
  readonly handled: boolean;
  readonly pinned: boolean;
  readonly attempts: number;
  readonly output: unknown;
  readonly error: StepError | null;
  readonly durationMs: number | null;
  readonly firedHandles: readonly string[] | null;
  readonly logs: readonly DryRunLog[];
  /** Requests the node would have sent (answered by the simulation, never sent). */
  readonly requests: readonly HttpRequest[];
  /** A for-each loop's items in index order, each with its body steps; null for other nodes. */
  readonly items: readonly LoopItem[] | null;
}

export interface DryRunResult {
  readonly status: 'succeeded' | 'failed' | 'dead' | 'cancelled';
  readonly error: StepError | null;
  readonly nodes: readonly DryRunNodeResult[];
  readonly skipped: readonly string[];
}

/**
 * A loop body node ran once per item: the canvas shows `failed` if it failed for an item, else
 * `succeeded` if it ran for one, else `skipped`; its output is that of its last item (each item's
 * own steps come with the loop's `items`).
 */
function bodyStepSummary(node: GraphShape['nodes'][number], items: Iterable<LoopItem>): Step | undefined {
  if (node.parentId === undefined) return undefined;
  const steps = [...items]
    .filter((item) => item.loopId === node.parentId)
    .sort((a, b) => a.index - b.index)
    .flatMap((item) => item.steps.filter((step) => step.nodeId === node.id));
  if (steps.length === 0) return undefined;
  const status = steps.some((s) => s.status === 'failed')
    ? 'failed'
    : steps.some((s) => s.status === 'succeeded')
      ? 'succeeded'
      : 'skipped';
  const last = steps.at(-1)!;
  return {
    ...last,
    status,
    attempts: steps.reduce((sum, s) => sum + s.attempts, 0),
    durationMs: steps.reduce((sum, s) => sum + (s.durationMs ?? 0), 0),
    error: steps.find((s) => s.status === 'failed')?.error ?? null,
  };
}

/** A run can suspend once per wait or long backoff; a preview follows at most this many. */
const MAX_RESUMES = 100;

/**
 * Runs a scenario graph through the same engine and node code as a real run, with simulated
 * effects: nothing is stored, nothing is called, waits take no time.
 */
export async function dryRun(input: DryRunInput): Promise<DryRunResult> {
  const start = input.now ?? new Date();
  const host = createSimulatedHost(start);
  const pinned = new Set(Object.keys(input.pinnedOutputs ?? {}));
  for (const node of input.graph.nodes) {
    if (!pinned.has(node.id)) continue;
    host.steps.set(node.id, {
      ...pendingStepOf(node),
      status: 'succeeded',
      output: input.pinnedOutputs?.[node.id],
      startedAt: start,
      finishedAt: start,
      durationMs: 0,
    });
  }
  const run = {
    runId: 'dry-run',
    scenarioId: input.scenarioId,
    startedAt: start,
    trigger: input.trigger,
    graph: input.graph,
  };

  let outcome = await executeRun({ ...run, steps: [...host.steps.values()] }, host, {
    maxInlineWaitMs: Number.POSITIVE_INFINITY,
  });
  for (let resumes = 0; outcome.status === 'suspended' && resumes < MAX_RESUMES; resumes++) {
    host.advanceTo(outcome.resumeAt);
    outcome = await executeRun({ ...run, steps: [...host.steps.values()] }, host, {
      maxInlineWaitMs: Number.POSITIVE_INFINITY,
    });
  }

  const nodes = input.graph.nodes.map((node): DryRunNodeResult => {
    const step = host.steps.get(node.id) ?? bodyStepSummary(node, host.loopItems.values()) ?? pendingStepOf(node);
    return {
      nodeId: node.id,
      status: step.status,
      handled: step.handled === true,
      pinned: pinned.has(node.id),
      attempts: step.attempts,
      output: step.output ?? null,
      error: step.error,
      durationMs: step.durationMs,
      firedHandles: step.firedHandles,
      logs: host.logs.filter((log) => log.nodeId === node.id),
      requests: host.requests.filter((r) => r.nodeId === node.id).map((r) => r.request),
      items:
        node.type === 'loop.forEach'
          ? [...host.loopItems.values()]
              .filter((item) => item.loopId === node.id)
              .sort((a, b) => a.index - b.index)
          : null,
    };
  });
  const status = outcome.status === 'suspended' ? 'failed' : outcome.status;
  const error =
    outcome.status === 'failed' || outcome.status === 'dead'
      ? outcome.error
      : outcome.status === 'suspended'
        ? { code: 'internal', message: `the preview stopped after ${MAX_RESUMES} waits`, retryable: false }
        : null;
  return { status, error, nodes, skipped: nodes.filter((n) => n.status === 'skipped').map((n) => n.nodeId) };
}
