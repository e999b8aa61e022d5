import {
  bulkReplayInput,
  idInput,
  httpPagesInput,
  listLoopItemsInput,
  listRunLogsInput,
  listRunsInput,
  loopItemInput,
  manualTriggerInput,
  replayRunInput,
  resumeRunInput,
  runEventsInput,
  type StepStatus,
} from '@weft/core';
import {
  findApiTokenName,
  findLoopItem,
  findRun,
  findScenarioVersion,
  listHttpPageSummaries,
  listLoopItemSummaries,
  listRunLogsPage,
  listRuns,
  newObjectId,
  type RunDoc,
  listChildRuns,
  listRunWaits,
  requestCancel,
  resumeParentOf,
  scenarioExists,
  toObjectId,
} from '@weft/db';
import { TRPCError } from '@trpc/server';
import type { ObjectId } from '../ids.js';
import type { RunChangeEvent, RunFeed } from '../run-events.js';
import { type Context, createTRPCRouter, notFound, protectedProcedure } from '../trpc.js';
import { childRunView } from '../call-views.js';
import { startManualRun } from '../manual-run.js';
import { createReplay, planReplay } from '../replay.js';
import { queueBulkJob } from '../bulk/create.js';
import { resumeWait, runWaitView } from '../run-waits.js';
import { loopItemSummaryView, loopItemView, runLogView, runSummaryView, runView } from '../views.js';

type Scoped = Context & { workspaceId: ObjectId };

async function loadRun(ctx: Scoped, id: string): Promise<RunDoc> {
  const run = await findRun(ctx.deps.database.models, ctx.workspaceId, id);
  if (!run) throw notFound('run', id);
  return run;
}

async function loadRunVersion(ctx: Scoped, run: RunDoc) {
  const version = await findScenarioVersion(ctx.deps.database.models, run.scenarioVersionId);
  return version?.workspaceId.equals(ctx.workspaceId) ? version : null;
}

function changeEvent(run: RunDoc): RunChangeEvent {
  return {
    runId: run._id.toHexString(),
    scenarioId: run.scenarioId.toHexString(),
    status: run.status,
    steps: run.steps.map((step) => ({
      nodeId: step.nodeId,
      status: step.status as StepStatus,
      attempts: step.attempts,
    })),
    updatedAt: run.updatedAt,
  };
}

async function* streamEvents(
  feed: RunFeed,
  first: RunChangeEvent | null,
  signal: AbortSignal | undefined,
): AsyncGenerator<RunChangeEvent, void, unknown> {
  const onAbort = () => feed.close();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (first) yield first;
    for await (const event of feed) yield event;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    feed.close();
  }
}

export const runsRouter = createTRPCRouter({
  /** Newest first; filters combine: scenario, status, correlation id, created in [from, to), a search key's value. */
  list: protectedProcedure.input(listRunsInput).query(async ({ ctx, input }) => {
    const page = await listRuns(ctx.deps.database.models, {
      workspaceId: ctx.workspaceId,
      limit: input.limit,
      cursor: input.cursor ?? null,
      ...(input.scenarioId ? { scenarioId: toObjectId(input.scenarioId, 'scenarioId') } : {}),
      ...(input.status ? { status: input.status } : {}),
      ...(input.correlationId ? { correlationId: input.correlationId } : {}),
      ...(input.from ? { from: input.from } : {}),
      ...(input.to ? { to: input.to } : {}),
      ...(input.search ? { search: input.search } : {}),
    });
    return { items: page.items.map(runSummaryView), nextCursor: page.nextCursor };
  }),

  /**
   * A manual run of the scenario's published version with `input` (what `POST /trigger/:id`
   * does, for the editor's Run button): NOT_FOUND for an unknown scenario, PRECONDITION_FAILED
   * when nothing is published yet.
   */
  start: protectedProcedure.input(manualTriggerInput).mutation(async ({ ctx, input }) => {
    const outcome = await startManualRun(ctx.deps, ctx.workspaceId, input.scenarioId, input);
    if (outcome.ok) return { runId: outcome.runId, correlationId: outcome.correlationId };
    throw new TRPCError({
      code: outcome.reason === 'scenario_not_found' ? 'NOT_FOUND' : 'PRECONDITION_FAILED',
      message: outcome.message,
    });
  }),

  /** A run with its steps (status, attempts, output, error, timings) and its pinned version. */
  get: protectedProcedure.input(idInput).query(async ({ ctx, input }) => {
    const run = await loadRun(ctx, input.id);
    const [children, waits] = await Promise.all([
      listChildRuns(ctx.deps.database.models, ctx.workspaceId, run._id),
      listRunWaits(ctx.deps.database.models, ctx.workspaceId, run._id),
    ]);
    /** `children`: the runs its scenario calls started, oldest first; `waits`: its approvals, open or decided. */
    return {
      ...runView(run, await loadRunVersion(ctx, run)),
      children: children.map(childRunView),
      waits: waits.map((wait) => runWaitView(ctx.deps, wait)),
    };
  }),

  /**
   * Decides a run's open approval (`wait.approval`): the run goes on with `{ decision, by, data,
   * timedOut: false }`, `by` being the name of the API token used. Exactly one resume counts: a
   * second one, one after the timeout, or one of a finished run is a CONFLICT saying why.
   */
  resume: protectedProcedure.input(resumeRunInput).mutation(async ({ ctx, input }) => {
    const token = await findApiTokenName(ctx.deps.database.models, ctx.tokenId);
    const outcome = await resumeWait(ctx.deps, {
      workspaceId: ctx.workspaceId,
      runId: toObjectId(input.runId, 'runId'),
      nodeId: input.nodeId,
      ...(input.itemIndex === undefined ? {} : { itemIndex: input.itemIndex }),
      decision: input.decision,
      by: token?.name ?? 'API token',
      data: input.data ?? null,
    });
    if (!outcome.ok)
      throw new TRPCError({ code: outcome.code === 'not_found' ? 'NOT_FOUND' : 'CONFLICT', message: outcome.message });
    return runWaitView(ctx.deps, outcome.wait);
  }),

  /** A page of a for-each loop's items in index order (status and timings, no outputs): the item picker. */
  loopItems: protectedProcedure.input(listLoopItemsInput).query(async ({ ctx, input }) => {
    const run = await loadRun(ctx, input.runId);
    const items = await listLoopItemSummaries(ctx.deps.database.models, ctx.workspaceId, run._id, input.loopId, {
      fromIndex: input.fromIndex,
      limit: input.limit + 1,
    });
    const page = items.slice(0, input.limit);
    return {
      items: page.map(loopItemSummaryView),
      nextFromIndex: items.length > input.limit ? items[input.limit]!.index : null,
    };
  }),

  /** One item of a for-each loop with its output or error and its body steps; NOT_FOUND if it never started. */
  loopItem: protectedProcedure.input(loopItemInput).query(async ({ ctx, input }) => {
    const run = await loadRun(ctx, input.runId);
    const item = await findLoopItem(ctx.deps.database.models, ctx.workspaceId, run._id, input.loopId, input.index);
    if (!item) {
      throw new TRPCError({
        code: 'NOT_FOUND',
        message: `item ${input.index} of loop "${input.loopId}" in run ${input.runId} has not started`,
      });
    }
    return loopItemView(item);
  }),

  /**
   * The pages a paginated `http.request` step has fetched so far, in page order (status, item
   * count, whether it had a next page; no items): at most `maxPages` (1,000), so one answer.
   */
  httpPages: protectedProcedure.input(httpPagesInput).query(async ({ ctx, input }) => {
    const run = await loadRun(ctx, input.runId);
    const pages = await listHttpPageSummaries(
      ctx.deps.database.models,
      ctx.workspaceId,
      run._id,
      input.nodeId,
      input.itemIndex ?? null,
    );
    return { pages };
  }),

  /** The run's log lines, oldest first, paginated; optionally of one node and/or one level. */
  logs: protectedProcedure.input(listRunLogsInput).query(async ({ ctx, input }) => {
    const run = await loadRun(ctx, input.runId);
    const page = await listRunLogsPage(ctx.deps.database.models, {
      workspaceId: ctx.workspaceId,
      runId: run._id,
      limit: input.limit,
      cursor: input.cursor ?? null,
      ...(input.nodeId ? { nodeId: input.nodeId } : {}),
      ...(input.level ? { level: input.level } : {}),
    });
    return { items: page.items.map(runLogView), nextCursor: page.nextCursor };
  }),

  /**
   * A new run of the same version with the same input, linked to this one (`trigger.kind`
   * `replay`, `trigger.replayOf`), same correlation id. `from: 'start'` runs every step again;
   * `from: 'failure'` keeps the outputs of the steps that succeeded and runs the rest. Only a
   * finished run can be replayed (cancel a live one first); `failure` needs one that did not
   * succeed. `version: 'published'` runs the scenario's published version instead of the pinned one.
   */
  replay: protectedProcedure.input(replayRunInput).mutation(async ({ ctx, input }) => {
    const run = await loadRun(ctx, input.id);
    const plan = await planReplay(ctx.deps, run, input.from, input.version);
    if (!plan.ok) throw new TRPCError({ code: plan.code, message: plan.message });
    const id = newObjectId();
    await createReplay(ctx.deps, run, plan.version, input.from, id);
    ctx.deps.logger.info(
      { runId: id.toHexString(), replayOf: input.id, from: input.from, correlationId: run.correlationId },
      'run replayed',
    );
    const created = await loadRun(ctx, id.toHexString());
    return runView(created, plan.version);
  }),

  /**
   * Replays every run `filter` selects (the filters of `list`), in the background: a bulk job
   * (see `bulkJobs.get` for its progress, `bulkJobs.cancel`). Runs created after the job, its own
   * replays among them, are not selected; each selected run is replayed at most once, even when
   * the process doing it dies. A run that cannot be replayed as asked (still live, succeeded with
   * `from: 'failure'`, its scenario deleted, …) is skipped with the reason.
   */
  bulkReplay: protectedProcedure.input(bulkReplayInput).mutation(({ ctx, input }) =>
    queueBulkJob(ctx, { kind: 'replay', filter: input.filter, from: input.from, version: input.version }),
  ),

  /**
   * Stops a run: a queued or waiting run is cancelled at once (`outcome: 'cancelled'`); a running
   * one stops before its next step (`requested`; its status turns `cancelled` when the runner
   * stops it). Cancelling a cancelled run changes nothing; a run that finished otherwise is a
   * CONFLICT.
   */
  cancel: protectedProcedure.input(idInput).mutation(async ({ ctx, input }) => {
    const run = await loadRun(ctx, input.id);
    if (run.status === 'cancelled') {
      return { outcome: 'cancelled' as const, run: runView(run, await loadRunVersion(ctx, run)) };
    }
    const outcome = await requestCancel(ctx.deps.database.models, ctx.workspaceId, run._id, ctx.deps.clock());
    if (outcome === 'not_cancellable') {
      const current = await loadRun(ctx, input.id);
      if (current.status === 'cancelled') {
        return { outcome: 'cancelled' as const, run: runView(current, await loadRunVersion(ctx, current)) };
      }
      throw new TRPCError({
        code: 'CONFLICT',
        message: `run ${input.id} has already finished (${current.status}); there is nothing to cancel`,
      });
    }
    const after = await loadRun(ctx, input.id);
    // A called run cancelled before a runner took it resumes its waiting parent, as a finished one does.
    if (outcome === 'cancelled') await resumeParentOf(ctx.deps.database.models, ctx.deps.queue, after);
    return { outcome, run: runView(after, await loadRunVersion(ctx, after)) };
  }),

  /**
   * Live run and step status changes of the workspace (tRPC subscription over SSE), optionally of
   * one run or one scenario's runs: `{ runId, scenarioId, status, steps: [{ nodeId, status,
   * attempts }], updatedAt }`. With `runId`, the run's current state comes first. Events are the
   * latest state per run: a slow client gets fewer, never stale ones.
   */
  onChange: protectedProcedure
    .input(runEventsInput.optional())
    .subscription(async ({ ctx, input, signal }) => {
      const { models } = ctx.deps.database;
      let first: RunChangeEvent | null = null;
      if (input?.runId) first = changeEvent(await loadRun(ctx, input.runId));
      if (input?.scenarioId) {
        const scenarioId = toObjectId(input.scenarioId, 'scenarioId');
        const exists = await scenarioExists(models, ctx.workspaceId, scenarioId);
        if (!exists) throw notFound('scenario', input.scenarioId);
      }
      const feed = await ctx.deps.runEvents.subscribe({
        workspaceId: ctx.workspaceId.toHexString(),
        runId: input?.runId,
        scenarioId: input?.scenarioId,
      });
      if (input?.runId) {
        // Read again after subscribing: a change between the first read and the subscription is not lost.
        first = changeEvent(await loadRun(ctx, input.runId));
      }
      return streamEvents(feed, first, signal);
    }),
});
