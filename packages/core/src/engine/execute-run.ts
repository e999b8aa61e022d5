import { classifyThrown, toSerializableError } from '../errors/index.js';
import { isOutboundRateLimitWait } from '../limits/outbound-rate.js';
import { InvalidGraphError } from '../graph/execution-plan.js';
import { collectInputs } from '../graph/collect-inputs.js';
import { StepTracker } from '../graph/step-tracker.js';
import type { NodeRunState } from '../graph/types.js';
import { resolveNodeConfig } from '../nodes/config.js';
import { registryLookup } from '../nodes/lookup.js';
import { migrateNode } from '../nodes/migrate.js';
import { getNodeDefinition } from '../nodes/registry.js';
import type {
  ActionResult,
  ExpressionScope,
  HttpPageStore,
  NodeContext,
  NodeDefinition,
} from '../nodes/types.js';
import { nextRetry } from '../retry/backoff.js';
import type { ScenarioNode } from '../schemas/graph.js';
import type { Step, StepError } from '../schemas/entities.js';
import { waitingStep, waitsForEvent, withoutEventWait } from './event-wait.js';
import { resumedState, settleFailedStep } from './error-path.js';
import { HostFailure } from './host-failure.js';
import { attemptLimitMs, withLoopBody } from './loop.js';
import { planRun, type RunPlans } from './loop-plan.js';
import { pendingStepOf } from './pending-step.js';
import { capOutput } from './output-cap.js';
import { MAX_RUN_OUTPUT_BYTES, RunOutputBudget } from './run-output-budget.js';
import type { EngineHost, EngineOptions, EngineRun, RunOutcome } from './types.js';

const INPUT_SUMMARY_BYTES = 4_096;

type NodeOutcome =
  | { nodeId: string; kind: 'succeeded'; firedHandles: readonly string[] | null }
  | { nodeId: string; kind: 'waiting'; resumeAt: Date }
  | { nodeId: string; kind: 'failed'; error: StepError }
  | { nodeId: string; kind: 'dead'; error: StepError }
  | { nodeId: string; kind: 'aborted' };

/** Every step may store pages (a paginated `http.request`); writes that fail are the host's failure. */
function withPages(host: EngineHost, nodeId: string, ctx: NodeContext): NodeContext {
  const pages: HttpPageStore = {
    async load() {
      try {
        return await host.loadHttpPages(nodeId);
      } catch (error) {
        throw new HostFailure(error, 'a page');
      }
    },
    async save(page) {
      try {
        await host.saveHttpPage(page);
      } catch (error) {
        throw new HostFailure(error, 'a page');
      }
    },
  };
  return { ...ctx, pages };
}

function stepError(code: string, message: string, retryable = false, details?: unknown): StepError {
  return details === undefined ? { code, message, retryable } : { code, message, retryable, details };
}

function resultError(result: Extract<ActionResult, { kind: 'retryable_error' | 'fatal_error' }>): StepError {
  const { code, message, details } = result.error;
  return stepError(code, message, result.kind === 'retryable_error', details);
}

/**
 * Executes a scenario graph: ready nodes run concurrently, each step is persisted as it starts
 * and settles, untaken branches are skipped, retryable errors are retried per the node's policy
 * (short backoffs in-process, long ones by suspending the run), and a resumed run does not run
 * again the steps that already succeeded. The same code serves the runner and dry-run; only the
 * host differs.
 */
export async function executeRun(
  run: EngineRun,
  host: EngineHost,
  options: EngineOptions = {},
): Promise<RunOutcome> {
  const maxInlineWaitMs = options.maxInlineWaitMs ?? 5_000;
  const outputCapBytes = options.outputCapBytes ?? 256 * 1024;
  // The top level's outputs share the run document; a for-each item's steps are stored apart.
  const budget = run.body
    ? null
    : new RunOutputBudget(options.maxRunOutputBytes ?? MAX_RUN_OUTPUT_BYTES, run.steps);
  const stored = (nodeId: string, output: unknown) =>
    budget ? budget.take(nodeId, output, outputCapBytes) : capOutput(output, outputCapBytes);
  const defaultTimeoutMs = options.defaultTimeoutMs ?? 5 * 60_000;
  // Aborted when the runner shuts down, or by this run itself when it stops on an error (below).
  const halt = new AbortController();
  const shutdown = options.signal ? AbortSignal.any([options.signal, halt.signal]) : halt.signal;

  // The top level, and each for-each body planned on its own; an item of a body gets its plan.
  let plans: RunPlans;
  try {
    plans = run.body
      ? { plan: run.body.plan, bodies: new Map() }
      : planRun(run.graph, registryLookup, outputCapBytes);
  } catch (error) {
    if (error instanceof InvalidGraphError)
      return { status: 'failed', error: stepError('invalid_graph', error.message) };
    throw error;
  }

  const { plan } = plans;
  const nodesById = new Map(run.graph.nodes.map((node) => [node.id, node]));
  const persisted = new Map(run.steps.map((step) => [step.nodeId, step]));
  const steps = new Map<string, Step>();
  // Outputs by node id for expressions (`nodes.<id>`) and inputs; no prototype, so ids like `constructor` are plain keys.
  const outputs: Record<string, unknown> = Object.create(null);
  if (run.body) Object.assign(outputs, run.body.outer);
  const initial: [string, NodeRunState][] = [];
  for (const node of run.graph.nodes) {
    const step = persisted.get(node.id) ?? pendingStepOf(node);
    steps.set(node.id, step);
    const state = resumedState(step);
    if (state) initial.push([node.id, state]);
    if (state?.status === 'succeeded') outputs[node.id] = step.output;
  }
  const tracker = new StepTracker(plan, initial);
  const scope: ExpressionScope = {
    trigger: run.trigger,
    nodes: outputs,
    run: { id: run.runId, scenarioId: run.scenarioId, startedAt: run.startedAt.toISOString() },
    ...(run.body ? { item: run.body.item, index: run.body.index } : {}),
  };

  const save = async (step: Step) => {
    steps.set(step.nodeId, step);
    await host.saveStep(step);
  };

  async function attempt(
    def: NodeDefinition,
    node: ScenarioNode,
    attemptNo: number,
    stepStartedAt: Date,
  ): Promise<ActionResult | 'aborted'> {
    let resolved: Awaited<ReturnType<typeof resolveNodeConfig>>;
    try {
      resolved = await resolveNodeConfig(def, node.id, node.config, scope);
    } catch (error) {
      const serialized = toSerializableError(error);
      const nodeError = { code: serialized.code, message: serialized.message };
      return serialized.retryable
        ? { kind: 'retryable_error', error: nodeError }
        : { kind: 'fatal_error', error: nodeError };
    }
    if (!resolved.ok) {
      const problems = resolved.problems.map(
        (p) => `field "${p.path.join('.') || '(config)'}": ${p.message}`,
      );
      return {
        kind: 'fatal_error',
        error: {
          code: 'invalid_config',
          message: `node "${node.id}": ${problems.join('; ')}`,
          details: resolved.problems,
        },
      };
    }
    const input = collectInputs(plan, node.id, outputs, tracker.states);
    // One controller for the attempt, aborted by its time limit or by the shutdown: cheaper than
    // `AbortSignal.any` per step (a weakly held composite signal, 3 % of a runner's CPU).
    const attemptAbort = new AbortController();
    const signal = attemptAbort.signal;
    const ctx = withLoopBody(
      withPages(
        host,
        node.id,
        host.createContext({
          nodeId: node.id,
          nodeType: node.type,
          attempt: attemptNo,
          stepStartedAt,
          scope,
          signal,
        }),
      ),
      node,
      plans,
      { executeBody: executeRun, run, host, options, scope },
    );
    const limitMs = attemptLimitMs(node, plans, defaultTimeoutMs);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      if (limitMs === undefined) return;
      timer = setTimeout(() => {
        attemptAbort.abort();
        reject(
          Object.assign(new Error(`node "${node.id}" did not finish within ${limitMs} ms`), {
            name: 'TimeoutError',
          }),
        );
      }, limitMs);
    });
    const onShutdown = () => attemptAbort.abort(shutdown.reason);
    if (shutdown.aborted) onShutdown();
    else shutdown.addEventListener('abort', onShutdown, { once: true });
    try {
      const result = await Promise.race([def.execute(ctx, input, resolved.config), timedOut]);
      // A node that turned the shutdown's abort into an error result did not fail: it was interrupted.
      return shutdown.aborted && result.kind !== 'success' ? 'aborted' : result;
    } catch (thrown) {
      if (thrown instanceof HostFailure) throw thrown.cause;
      if (shutdown.aborted) return 'aborted';
      // A node that let the rate-limit wait through still waits rather than fails.
      if (isOutboundRateLimitWait(thrown))
        return { kind: 'wait', until: thrown.until.toISOString(), reason: thrown.message };
      const error = classifyThrown(thrown);
      const nodeError = {
        code: error.code,
        message: error.message,
        ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
      };
      return error.retryable
        ? { kind: 'retryable_error', error: nodeError }
        : { kind: 'fatal_error', error: nodeError };
    } finally {
      clearTimeout(timer);
      shutdown.removeEventListener('abort', onShutdown);
    }
  }

  /** A node failed for good: its error path takes the failure, or the run fails (or is dead). */
  async function settleFailure(
    failed: Step & { error: StepError },
    kind: 'failed' | 'dead',
    message: string,
  ): Promise<NodeOutcome> {
    const { nodeId, attempts: attempt, error } = failed;
    const settled = settleFailedStep(plan, failed);
    await save(settled);
    if (settled.handled) {
      outputs[nodeId] = settled.output;
      host.log('warn', `${message}; taken by the error path`, { nodeId, attempt, code: error.code });
      return { nodeId, kind: 'succeeded', firedHandles: settled.firedHandles };
    }
    host.log('error', message, { nodeId, attempt, code: error.code });
    return { nodeId, kind, error };
  }

  async function runNode(nodeId: string): Promise<NodeOutcome> {
    const original = nodesById.get(nodeId)!;
    const migrated = migrateNode(original);
    if (!migrated.ok) {
      const error = stepError('invalid_config', migrated.message);
      await save({ ...steps.get(nodeId)!, status: 'failed', error, finishedAt: host.now() });
      return { nodeId, kind: 'failed', error };
    }
    const node = migrated.node;
    const def = getNodeDefinition(node.type)!;
    const policy = { ...def.retry, ...node.retry, multiplier: 2, jitter: 'full' as const };
    let step = steps.get(nodeId)!;
    const stepStartedAt = step.startedAt ?? host.now();
    // A resumed run meets steps whose backoff or delay is still running: they wait, not start early.
    if (step.status === 'waiting' && step.resumeAt && !waitsForEvent(step)) {
      const resumeAt = new Date(step.resumeAt);
      const waitMs = resumeAt.getTime() - host.now().getTime();
      if (waitMs > maxInlineWaitMs) return { nodeId, kind: 'waiting', resumeAt };
      if (waitMs > 0) await host.sleep(waitMs, shutdown).catch(() => undefined);
      if (shutdown.aborted) return { nodeId, kind: 'waiting', resumeAt };
    }

    for (;;) {
      const attemptNo = step.attempts + 1;
      const input = collectInputs(plan, nodeId, outputs, tracker.states);
      step = {
        ...withoutEventWait(step),
        status: 'running',
        attempts: attemptNo,
        startedAt: stepStartedAt,
        resumeAt: null,
        inputSummary: capOutput(input, INPUT_SUMMARY_BYTES).output,
      };
      await save(step);
      const began = host.now().getTime();
      const result = await attempt(def, node, attemptNo, stepStartedAt);
      const finishedAt = host.now();
      const durationMs = finishedAt.getTime() - began;
      if (result === 'aborted') return { nodeId, kind: 'aborted' };

      switch (result.kind) {
        case 'success': {
          const capped = stored(nodeId, result.data);
          outputs[nodeId] = result.data;
          step = {
            ...step,
            status: 'succeeded',
            output: capped.output,
            outputTruncated: capped.truncated,
            firedHandles: result.handles ? [...result.handles] : null,
            error: null,
            finishedAt,
            durationMs,
          };
          await save(step);
          return { nodeId, kind: 'succeeded', firedHandles: step.firedHandles };
        }
        case 'wait': {
          const resumeAt = new Date(result.until);
          // Waiting is not a failed attempt: the next execution keeps the attempt count.
          step = {
            ...waitingStep(step, result),
            status: 'waiting',
            attempts: attemptNo - 1,
            resumeAt,
            durationMs,
          };
          await save(step);
          host.log(
            'info',
            result.reason ? `waiting: ${result.reason}` : `waiting until ${resumeAt.toISOString()}`,
            { nodeId, attempt: attemptNo },
          );
          return { nodeId, kind: 'waiting', resumeAt };
        }
        case 'fatal_error': {
          const error = resultError(result);
          // A loop that failed still reports its items.
          const reported = result.output === undefined ? undefined : stored(nodeId, result.output);
          return settleFailure(
            {
              ...step,
              status: 'failed',
              error,
              finishedAt,
              durationMs,
              ...(reported ? { output: reported.output, outputTruncated: reported.truncated } : {}),
            },
            'failed',
            error.message,
          );
        }
        case 'retryable_error': {
          const error = resultError(result);
          const counted = result.policyAttempt ?? attemptNo;
          const decision = nextRetry(policy, counted, {
            ...(result.error.retryAfterMs === undefined ? {} : { retryAfterMs: result.error.retryAfterMs }),
            ...(host.random ? { random: host.random } : {}),
          });
          if (!decision.retry) {
            return settleFailure(
              { ...step, status: 'failed', error, finishedAt, durationMs },
              'dead',
              `giving up after ${counted} attempts: ${error.message}`,
            );
          }
          const resumeAt = new Date(finishedAt.getTime() + decision.delayMs);
          step = { ...step, status: 'waiting', error, resumeAt, durationMs };
          await save(step);
          host.log(
            'warn',
            counted === attemptNo
              ? `attempt ${attemptNo} failed (${error.code}); retrying in ${decision.delayMs} ms`
              : `attempt ${attemptNo} failed (${error.code}, ${counted} of ${policy.maxAttempts} at its current page); retrying in ${decision.delayMs} ms`,
            {
              nodeId,
              attempt: attemptNo,
              delayMs: decision.delayMs,
            },
          );
          if (decision.delayMs > maxInlineWaitMs) return { nodeId, kind: 'waiting', resumeAt };
          await host.sleep(decision.delayMs, shutdown).catch(() => undefined);
          if (shutdown.aborted) return { nodeId, kind: 'waiting', resumeAt };
        }
      }
    }
  }

  const traced = (nodeId: string): Promise<NodeOutcome> =>
    host.traceStep
      ? host.traceStep({ nodeId, nodeType: nodesById.get(nodeId)!.type }, () => runNode(nodeId))
      : runNode(nodeId);

  const inflight = new Map<string, Promise<NodeOutcome>>();
  const waits: Date[] = [];
  let stop: RunOutcome | undefined;

  try {
    for (;;) {
      if (!stop) {
        const { ready, skipped } = tracker.next();
        for (const id of skipped) {
          await save({ ...steps.get(id)!, status: 'skipped', finishedAt: host.now() });
        }
        for (const id of ready) {
          if (shutdown.aborted) {
            stop = { status: 'suspended', resumeAt: host.now() };
            break;
          }
          if (await host.isCancelled()) {
            stop = { status: 'cancelled' };
            break;
          }
          tracker.set(id, { status: 'running' });
          inflight.set(id, traced(id));
        }
      }
      if (inflight.size === 0) break;
      const outcome = await Promise.race(inflight.values());
      inflight.delete(outcome.nodeId);
      switch (outcome.kind) {
        case 'succeeded':
          tracker.set(
            outcome.nodeId,
            outcome.firedHandles
              ? { status: 'succeeded', firedHandles: outcome.firedHandles }
              : { status: 'succeeded' },
          );
          break;
        case 'waiting':
          waits.push(outcome.resumeAt);
          break;
        case 'failed':
          tracker.set(outcome.nodeId, { status: 'failed' });
          stop ??= { status: 'failed', error: outcome.error, nodeId: outcome.nodeId };
          break;
        case 'dead':
          tracker.set(outcome.nodeId, { status: 'failed' });
          stop ??= { status: 'dead', error: outcome.error, nodeId: outcome.nodeId };
          break;
        case 'aborted':
          stop ??= { status: 'suspended', resumeAt: host.now() };
          break;
      }
    }
  } catch (error) {
    // A step could not be stored (or the cancel check failed): the caller hands the run on, so no
    // other node of it may still be running then. Stop them and wait until they have.
    halt.abort(error);
    await Promise.allSettled(inflight.values());
    throw error;
  }

  if (stop && stop.status !== 'suspended') return stop;
  if (stop) return stop;
  if (tracker.isComplete()) return { status: 'succeeded' };
  if (waits.length > 0)
    return { status: 'suspended', resumeAt: new Date(Math.min(...waits.map((d) => d.getTime()))) };
  return {
    status: 'failed',
    error: stepError('internal', 'the run stopped with steps neither done nor waiting'),
  };
}
