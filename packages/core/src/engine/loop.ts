import { fatal, success, waitUntil } from '../nodes/results.js';
import { LOOP_DONE_HANDLE } from '../nodes/builtin/for-each.js';
import type { ActionResult, ExpressionScope, LoopBodyRunner, NodeContext } from '../nodes/types.js';
import type { ScenarioNode } from '../schemas/graph.js';
import type { LoopItem, Step, StepError } from '../schemas/entities.js';
import type { BodyPlan, RunPlans } from './loop-plan.js';
import { HostFailure } from './host-failure.js';
import { capOutput } from './output-cap.js';
import { pendingStepOf } from './pending-step.js';
import type { EngineHost, EngineOptions, EngineRun, RunOutcome } from './types.js';

/** What the loop's output reports per item. */
export type LoopItemResult =
  | { readonly index: number; readonly status: 'succeeded'; readonly output: unknown }
  | { readonly index: number; readonly status: 'failed'; readonly error: StepError }
  | { readonly index: number; readonly status: 'not_started' };

export interface LoopOutput {
  readonly items: readonly LoopItemResult[];
  readonly succeeded: number;
  readonly failed: number;
  readonly notStarted: number;
}

type ItemOutcome =
  | { readonly index: number; readonly kind: 'settled'; readonly item: LoopItem }
  | { readonly index: number; readonly kind: 'waiting'; readonly resumeAt: Date }
  | { readonly index: number; readonly kind: 'stopped' };

/** Executes an item's body as a run of its own: the engine's `executeRun`, passed in by it. */
export type BodyExecutor = (run: EngineRun, host: EngineHost, options: EngineOptions) => Promise<RunOutcome>;

interface LoopArgs {
  readonly executeBody: BodyExecutor;
  readonly run: EngineRun;
  readonly host: EngineHost;
  readonly options: EngineOptions;
  readonly body: BodyPlan;
  readonly loopNode: ScenarioNode;
  readonly scope: ExpressionScope;
  readonly signal: AbortSignal;
}

function isSettled(item: LoopItem): boolean {
  return item.status === 'succeeded' || item.status === 'failed';
}

/** The item's error names the body node that failed, as a run's error does. */
function itemError(outcome: Extract<RunOutcome, { status: 'failed' | 'dead' }>): StepError {
  const { nodeId } = outcome;
  if (nodeId === undefined || outcome.error.message.startsWith(`node "${nodeId}"`)) return outcome.error;
  return { ...outcome.error, message: `node "${nodeId}": ${outcome.error.message}`, details: { nodeId } };
}

/** The item's output: its only last node's output, or `{ <id>: output }` of the last nodes that succeeded. */
function itemOutput(body: BodyPlan, steps: ReadonlyMap<string, Step>): unknown {
  const outputOf = (id: string) => {
    const step = steps.get(id);
    return step?.status === 'succeeded' ? (step.output ?? null) : undefined;
  };
  if (body.sinks.length === 1) return outputOf(body.sinks[0]!) ?? null;
  const entries = body.sinks.flatMap((id) => {
    const output = outputOf(id);
    return output === undefined ? [] : [[id, output] as const];
  });
  return Object.fromEntries(entries);
}

function loopOutput(count: number, settled: readonly (LoopItem | undefined)[]): LoopOutput {
  const items: LoopItemResult[] = [];
  let succeeded = 0;
  let failed = 0;
  for (let index = 0; index < count; index++) {
    const item = settled[index];
    if (item?.status === 'succeeded') {
      succeeded++;
      items.push({ index, status: 'succeeded', output: item.output ?? null });
    } else if (item?.status === 'failed' && item.error) {
      failed++;
      items.push({ index, status: 'failed', error: item.error });
    } else {
      items.push({ index, status: 'not_started' });
    }
  }
  return { items, succeeded, failed, notStarted: count - succeeded - failed };
}

/**
 * Runs one item's body as a run of its own over the body graph, with the same engine (retries,
 * branches, waits), its steps stored in the item's record. The loop node is the body's start:
 * settled already, with the item as its output, so the first body nodes receive the item.
 */
async function runItem(
  args: LoopArgs,
  index: number,
  value: unknown,
  stored: LoopItem | undefined,
  signal: AbortSignal,
): Promise<ItemOutcome> {
  const { host, body, run } = args;
  const steps = new Map((stored?.steps ?? []).map((step) => [step.nodeId, step]));
  let record: LoopItem = {
    loopId: body.loopId,
    index,
    status: 'running',
    error: null,
    steps: [],
    startedAt: stored?.startedAt ?? host.now(),
    finishedAt: null,
    resumeAt: null,
  };
  const save = (changes: Partial<LoopItem>, changed?: Step) => {
    record = { ...record, ...changes, steps: [...steps.values()] };
    return host.saveLoopItem(record, changed);
  };
  const itemHost: EngineHost = {
    createContext: (context) => host.createContext({ ...context, itemIndex: index }),
    async saveStep(step) {
      steps.set(step.nodeId, step);
      await save({}, step);
    },
    loadLoopItems: (loopId) => host.loadLoopItems(loopId),
    saveLoopItem: (item, changed) => host.saveLoopItem(item, changed),
    // A body step's pages belong to its item.
    loadHttpPages: (nodeId) => host.loadHttpPages(nodeId, index),
    saveHttpPage: (page) => host.saveHttpPage(page),
    isCancelled: () => host.isCancelled(),
    log: (level, message, data) => host.log(level, message, { ...data, loopId: body.loopId, index }),
    now: () => host.now(),
    sleep: (ms, sleepSignal) => host.sleep(ms, sleepSignal),
    ...(host.random ? { random: () => host.random!() } : {}),
    ...(host.traceStep
      ? { traceStep: (step, execute) => host.traceStep!({ ...step, itemIndex: index }, execute) }
      : {}),
  };
  // A body step that failed before a restart settled the item, even if its record did not say so yet.
  const failedStep = [...steps.values()].find((step) => step.status === 'failed');
  if (failedStep) {
    const error = failedStep.error ?? { code: 'internal', message: 'the step failed', retryable: false };
    await save({
      status: 'failed',
      error: itemError({ status: 'failed', error, nodeId: failedStep.nodeId }),
      finishedAt: failedStep.finishedAt ?? host.now(),
    });
    return { index, kind: 'settled', item: record };
  }
  await save({});
  const start: Step = {
    ...pendingStepOf(args.loopNode),
    status: 'succeeded',
    output: value,
    firedHandles: ['body'],
  };
  const outcome = await args.executeBody(
    {
      runId: run.runId,
      scenarioId: run.scenarioId,
      startedAt: run.startedAt,
      trigger: run.trigger,
      graph: body.graph,
      steps: [start, ...steps.values()],
      body: { plan: body.plan, outer: args.scope.nodes, item: value, index },
    },
    itemHost,
    { ...args.options, signal, outputCapBytes: body.outputCapBytes },
  );
  switch (outcome.status) {
    case 'succeeded': {
      const output = capOutput(itemOutput(body, steps), body.outputCapBytes).output;
      await save({ status: 'succeeded', output, finishedAt: host.now() });
      return { index, kind: 'settled', item: record };
    }
    case 'failed':
    case 'dead':
      await save({ status: 'failed', error: itemError(outcome), finishedAt: host.now() });
      return { index, kind: 'settled', item: record };
    case 'suspended':
      if (signal.aborted) return { index, kind: 'stopped' };
      await save({ status: 'waiting', resumeAt: outcome.resumeAt });
      return { index, kind: 'waiting', resumeAt: outcome.resumeAt };
    case 'cancelled':
      return { index, kind: 'stopped' };
  }
}

/**
 * A for-each loop's items through its body: at most `concurrency` items under way (a waiting one
 * counts), new items started in index order; settled items (stored) are not run again, so a
 * resumed or replayed loop goes on at the first unsettled one. With `stop`, the first failure
 * starts nothing new, lets what is under way settle, and fails the loop; with `continue` every
 * item runs. The loop settles (and fires `done`) only once every item it started has settled.
 */
async function runLoop(
  args: LoopArgs,
  values: readonly unknown[],
  options: { readonly concurrency: number; readonly onItemError: 'stop' | 'continue' },
): Promise<ActionResult> {
  const { host, loopNode } = args;
  const count = values.length;
  const stored = new Map<number, LoopItem>();
  try {
    for (const item of await host.loadLoopItems(loopNode.id)) {
      if (item.index < count) stored.set(item.index, item);
    }
  } catch (error) {
    throw new HostFailure(error, 'a loop item');
  }
  const settled: (LoopItem | undefined)[] = new Array(count);
  const inflight = new Map<number, Promise<ItemOutcome>>();
  const waiting = new Map<number, Date>();
  // Stops the items under way when one of them cannot be stored.
  const halt = new AbortController();
  const signal = AbortSignal.any([args.signal, halt.signal]);
  let cursor = 0;
  let firstFailure: number | undefined;
  let stopped = false;

  const onSettled = (item: LoopItem) => {
    settled[item.index] = item;
    if (item.status === 'failed' && options.onItemError === 'stop') firstFailure ??= item.index;
  };
  const start = (index: number) => {
    inflight.set(index, runItem(args, index, values[index], stored.get(index), signal));
  };
  const fill = () => {
    for (; cursor < count; cursor++) {
      const previous = stored.get(cursor);
      if (previous && isSettled(previous)) {
        onSettled(previous);
        continue;
      }
      if (stopped || firstFailure !== undefined) {
        // Starts nothing new, but lets items that were under way before a restart settle.
        if (previous && !stopped) start(cursor);
        continue;
      }
      if (inflight.size + waiting.size >= options.concurrency) break;
      start(cursor);
    }
  };

  try {
    fill();
    while (inflight.size > 0) {
      const outcome = await Promise.race(inflight.values());
      inflight.delete(outcome.index);
      if (outcome.kind === 'settled') onSettled(outcome.item);
      else if (outcome.kind === 'waiting') waiting.set(outcome.index, outcome.resumeAt);
      else stopped = true;
      fill();
    }
  } catch (error) {
    halt.abort(error);
    await Promise.allSettled(inflight.values());
    throw new HostFailure(error, 'a loop item');
  }

  if (stopped) {
    if (signal.aborted) return fatal('aborted', `node "${loopNode.id}": the loop was interrupted`);
    // Cancelled: the run is handed back at once, and its next start sees the cancel before the loop.
    return waitUntil(host.now(), 'the run was cancelled while the loop ran');
  }
  if (waiting.size > 0) {
    const resumeAt = new Date(Math.min(...[...waiting.values()].map((date) => date.getTime())));
    return waitUntil(resumeAt, `${waiting.size} loop item(s) waiting`);
  }
  const output = loopOutput(count, settled);
  const summary = `${count} items: ${output.succeeded} succeeded, ${output.failed} failed, ${output.notStarted} not started`;
  if (firstFailure !== undefined) {
    const failure = settled[firstFailure]?.error;
    return {
      kind: 'fatal_error',
      error: {
        code: 'loop_item_failed',
        message: `node "${loopNode.id}": item ${firstFailure} failed (${failure?.message ?? 'unknown error'}); onItemError is "stop", so no further item was started (${summary})`,
        details: {
          index: firstFailure,
          succeeded: output.succeeded,
          failed: output.failed,
          notStarted: output.notStarted,
        },
      },
      output,
    };
  }
  host.log(output.failed > 0 ? 'warn' : 'info', `for-each done: ${summary}`, { nodeId: loopNode.id });
  return success(output, [LOOP_DONE_HANDLE]);
}

/** A loop node's context gets the runner of its body; every other node's context is left as is. */
export function withLoopBody(
  ctx: NodeContext,
  node: ScenarioNode,
  plans: RunPlans,
  args: Omit<LoopArgs, 'body' | 'loopNode' | 'signal'>,
): NodeContext {
  const body = plans.bodies.get(node.id);
  if (body === undefined) return ctx;
  const loopBody: LoopBodyRunner = {
    run: (items, options) => runLoop({ ...args, body, loopNode: node, signal: ctx.signal }, items, options),
  };
  return { ...ctx, loopBody };
}

/** A loop has no attempt time limit of its own unless it sets one: its items' steps have theirs. */
export function attemptLimitMs(node: ScenarioNode, plans: RunPlans, defaultMs: number): number | undefined {
  return node.timeoutMs ?? (plans.bodies.has(node.id) ? undefined : defaultMs);
}
