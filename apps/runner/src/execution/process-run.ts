import { useExpressionWorkers } from '@weft/core/expression-workers';
import {
  DEFAULT_MAX_CALL_DEPTH,
  type EngineOptions,
  type EngineRun,
  executeRun,
  type RunOutcome,
  type Step,
  type StepError,
} from '@weft/core';
import type { Keyring } from '@weft/core/secrets';
import {
  claimRun,
  type Database,
  finishRun,
  isDatabaseUnavailable,
  LeaseLostError,
  type RunDoc,
  releaseRun,
  type ScenarioVersionDoc,
  renewLease,
  scheduleRun,
  VersionCache,
} from '@weft/db';
import type { Tracer } from '@opentelemetry/api';
import type { Agenda } from 'agenda';
import type { Logger } from 'pino';
import { stepTracing, traceRunClaimed } from '../observability/spans.js';
import { createEngineHost } from './engine-host.js';
import { failureHandlerOf, startFailureHandler } from './failure-handler.js';
import type { HttpClient } from './http-client.js';
import type { OAuth2TokenSource } from './oauth2-tokens.js';
import type { OutboundLimiter } from './outbound-limiter.js';
import { afterRunSettled, type SettledAs } from './on-run-settled.js';
import { RunLogBuffer } from './run-log-buffer.js';
import { runWaitsFor } from './run-waits.js';
import { scenarioCallsFor } from './scenario-calls.js';

export interface ProcessRunDeps {
  readonly db: Database;
  /** Used only to enqueue: a suspended run's resume job, a released run's job. */
  readonly queue: Agenda;
  readonly keyring: Keyring;
  readonly http: HttpClient;
  readonly logger: Logger;
  /** This runner's name: the lease owner of the runs it claims. */
  readonly owner: string;
  readonly leaseMs: number;
  /** Published versions are immutable, so they are cached by id. */
  readonly versions?: VersionCache;
  readonly engine?: Pick<EngineOptions, 'maxInlineWaitMs' | 'outputCapBytes' | 'defaultTimeoutMs'>;
  /** Jitter source for retry backoffs (default Math.random); fixed in tests. */
  readonly random?: () => number;
  /** After an unexpected error, the run is handed back and retried this much later (default 5 s). */
  readonly errorRetryDelayMs?: number;
  /** Connections' outbound rate limits (shared by all runners); none: requests are not limited. */
  readonly outbound?: OutboundLimiter;
  /** The longest chain of scenario calls (default 10): a call that would go deeper fails. */
  readonly maxCallDepth?: number;
  /** Claims a run may take without settling (default 10); the next one dead-letters it. */
  readonly maxClaims?: number;
  /** OAuth2 access tokens of connections (renewed once across all runners). */
  readonly oauth2?: OAuth2TokenSource;
  /** Traces each claimed run and its steps (observability/spans.ts); absent: tracing is off. */
  readonly tracer?: Tracer;
}

export interface ProcessRunOptions {
  /** Runner shutdown: running steps are aborted, the run is released as queued with a job due now. */
  readonly signal?: AbortSignal;
  /** Called with every lease renewal, e.g. Agenda's `job.touch()` so the job's lock lives as long. */
  readonly keepAlive?: () => Promise<unknown>;
  /** The run, already claimed by this owner (the run feed claims before it executes): no claim here. */
  readonly claimed?: RunDoc;
}

export type ProcessRunResult =
  /** Finished, or another runner holds it under a live lease, or it waits for a later time: nothing done. */
  | { readonly status: 'not_claimed' }
  | { readonly status: 'succeeded' | 'failed' | 'dead' | 'cancelled' }
  /** Suspended until `resumeAt` (a long retry backoff or a durable delay); a job is scheduled then. */
  | { readonly status: 'waiting'; readonly resumeAt: Date }
  /** Handed back as `queued` with a job due now (shutdown, or a wait that is already due). */
  | { readonly status: 'released' }
  /** Another runner took the run over (this one stalled past its lease): it stopped without writing. */
  | { readonly status: 'lease_lost' }
  | { readonly status: 'error'; readonly error: unknown };

/** Claims a run may take without settling when the runner is not told otherwise. */
export const DEFAULT_MAX_CLAIMS = 10;

/** A wait this close counts as due: the run goes back to the queue instead of waiting. */
const DUE_SOON_MS = 50;

/** The run's error names the node that failed, so a user sees where without opening the steps. */
function runError(error: StepError, nodeId: string | undefined): StepError {
  if (nodeId === undefined) return error;
  const message = error.message.startsWith(`node "${nodeId}"`)
    ? error.message
    : `node "${nodeId}": ${error.message}`;
  const details =
    error.details !== null && typeof error.details === 'object' && !Array.isArray(error.details)
      ? { nodeId, ...(error.details as Record<string, unknown>) }
      : error.details === undefined
        ? { nodeId }
        : { nodeId, info: error.details };
  return { ...error, message, details };
}

function engineRunOf(run: RunDoc, graph: EngineRun['graph']): EngineRun {
  return {
    runId: run._id.toHexString(),
    scenarioId: run.scenarioId.toHexString(),
    startedAt: run.startedAt ?? new Date(),
    trigger: run.input,
    graph,
    steps: run.steps ?? [],
  };
}

/**
 * Executes one run under a lease: claims it (compare-and-set), loads its pinned version, runs
 * core's engine with real effects, renews the lease while it runs, and records the outcome:
 * finished (succeeded/failed/dead/cancelled), or released to wait for a scheduled job
 * (suspended), or released as queued (shutdown). Steps that succeeded in an earlier claim are not
 * run again. A run that cannot be claimed is left alone.
 */
export async function processRun(
  deps: ProcessRunDeps,
  runId: string,
  options: ProcessRunOptions = {},
): Promise<ProcessRunResult> {
  // Node configs, transforms and filters are tenants' expressions: any that could stall this
  // thread (and with it the lease renewal below) runs in the process's worker pool (README).
  useExpressionWorkers();
  const { models } = deps.db;
  const run =
    options.claimed ?? (await claimRun(models, runId, { owner: deps.owner, leaseMs: deps.leaseMs }));
  if (!run) {
    deps.logger.debug({ runId }, 'run not claimable (finished, leased by another runner, or not due yet)');
    return { status: 'not_claimed' };
  }
  return traceRunClaimed(deps.tracer, run, () => executeClaimed(deps, run, options));
}

/** `processRun` once the run is claimed by this runner. */
async function executeClaimed(
  deps: ProcessRunDeps,
  run: RunDoc,
  options: ProcessRunOptions,
): Promise<ProcessRunResult> {
  const { models } = deps.db;
  const runId = run._id.toHexString();
  const log = deps.logger.child({ runId, correlationId: run.correlationId });
  const logs = new RunLogBuffer(
    models,
    { workspaceId: run.workspaceId, runId: run._id, correlationId: run.correlationId },
    deps.logger,
  );
  log.debug({ claims: run.claims }, 'run claimed');

  let leaseLost: LeaseLostError | undefined;
  const lost = new AbortController();
  const onLeaseLost = (error: LeaseLostError) => {
    if (leaseLost) return;
    leaseLost = error;
    lost.abort(error);
  };
  const signal = options.signal ? AbortSignal.any([options.signal, lost.signal]) : lost.signal;

  const renewEveryMs = Math.max(100, Math.floor(deps.leaseMs / 3));
  const renewal = setInterval(() => {
    renewLease(models, run._id, deps.owner, deps.leaseMs)
      .then(() => options.keepAlive?.())
      .catch((error: unknown) => {
        if (error instanceof LeaseLostError) onLeaseLost(error);
        else log.warn({ err: error }, 'could not renew the run lease; will try again');
      });
  }, renewEveryMs);

  // Known once the version is loaded: a run the runner itself fails still starts its handler.
  let pinned: Pick<ScenarioVersionDoc, 'onFailure'> | null = null;
  try {
    const versions = deps.versions ?? new VersionCache();
    const version = await versions.get(models, run.scenarioVersionId);
    pinned = version;
    if (!version) {
      const error: StepError = {
        code: 'internal',
        message: `scenario version ${run.scenarioVersionId.toHexString()} of this run does not exist`,
        retryable: false,
      };
      logs.add({ nodeId: null, attempt: null, level: 'error', message: error.message });
      await logs.flush();
      await finishRun(models, run._id, deps.owner, { status: 'failed', error });
      log.info({ status: 'failed' }, 'run finished');
      return { status: 'failed' };
    }
    const exhausted = claimsExhausted(run, deps.maxClaims ?? DEFAULT_MAX_CLAIMS);
    if (exhausted) return await deadLetter(deps, run, version, exhausted, logs, log);

    const host = createEngineHost({
      models,
      keyring: deps.keyring,
      http: deps.http,
      logs,
      run: { id: run._id, workspaceId: run.workspaceId },
      owner: deps.owner,
      leaseMs: deps.leaseMs,
      onLeaseLost,
      cancelRequested: run.cancelRequested,
      ...(deps.random ? { random: deps.random } : {}),
      ...(deps.outbound ? { outbound: deps.outbound } : {}),
      ...(deps.oauth2 ? { oauth2: deps.oauth2 } : {}),
      ...(deps.tracer ? { traceStep: stepTracing(deps.tracer) } : {}),
      calls: (nodeId, itemIndex) =>
        scenarioCallsFor(
          { models, versions, run, maxDepth: deps.maxCallDepth ?? DEFAULT_MAX_CALL_DEPTH },
          nodeId,
          itemIndex,
        ),
      waits: (nodeId, itemIndex) => runWaitsFor(models, run, nodeId, itemIndex),
    });
    let outcome: RunOutcome;
    try {
      outcome = await executeRun(engineRunOf(run, { nodes: version.nodes, edges: version.edges }), host, {
        ...deps.engine,
        signal,
      });
    } catch (error) {
      // A save that found the lease gone aborted the run; the engine's error is a consequence.
      throw leaseLost ?? error;
    }
    if (leaseLost) throw leaseLost;
    // A finished run's last steps are written with its outcome (one update); a run handed back
    // stores its steps first.
    let lastSteps: Step[] = [];
    if (outcome.status === 'suspended') await host.flushSteps();
    else lastSteps = await host.takePendingSteps();
    await logs.flush();
    const result = await settle(deps, run, version, outcome, options.signal?.aborted === true, log, lastSteps);
    await afterRunSettled(deps, run, settledAs(result), {
      callsChildren: version.nodes.some((node) => node.type === 'scenario.call'),
      waitsForResumes: version.nodes.some((node) => node.type === 'wait.approval' || node.type === 'wait.event'),
      log,
    });
    return result;
  } catch (error) {
    if (error instanceof LeaseLostError) {
      log.warn('run lease lost: another runner took the run over; this runner stops without writing');
      return { status: 'lease_lost' };
    }
    log.error({ err: error }, 'run failed unexpectedly');
    await handBack(deps, run, error, log, pinned);
    return { status: 'error', error };
  } finally {
    clearInterval(renewal);
    await logs.flush();
  }
}

async function settle(
  deps: ProcessRunDeps,
  run: RunDoc,
  version: Pick<ScenarioVersionDoc, 'onFailure'>,
  outcome: RunOutcome,
  shuttingDown: boolean,
  log: Logger,
  lastSteps: readonly Step[] = [],
): Promise<ProcessRunResult> {
  const { models } = deps.db;
  const runId = run._id.toHexString();
  switch (outcome.status) {
    case 'succeeded':
    case 'cancelled':
      await finishRun(models, run._id, deps.owner, { status: outcome.status, steps: lastSteps });
      log.info({ status: outcome.status }, 'run finished');
      return { status: outcome.status };
    case 'failed':
    case 'dead': {
      const error = runError(outcome.error, outcome.nodeId);
      const failureHandler = failureHandlerOf(run, version);
      await finishRun(models, run._id, deps.owner, {
        status: outcome.status,
        error,
        steps: lastSteps,
        ...(failureHandler ? { failureHandler } : {}),
      });
      log.info({ status: outcome.status, code: error.code, nodeId: outcome.nodeId }, 'run finished');
      if (failureHandler) await startFailureHandler(deps, run._id, log);
      return { status: outcome.status };
    }
    case 'suspended': {
      if (shuttingDown || outcome.resumeAt.getTime() <= Date.now() + DUE_SOON_MS) {
        await releaseRun(models, run._id, deps.owner, { status: 'queued', settled: true });
        await scheduleRun(deps.queue, runId);
        log.info({ shuttingDown }, 'run released to the queue');
        return { status: 'released' };
      }
      // Released first, scheduled second: a job that fired before the release would find the run
      // still leased and do nothing. A crash in between leaves a waiting run without a job, which
      // the sweeper repairs.
      await releaseRun(models, run._id, deps.owner, {
        status: 'waiting',
        resumeAt: outcome.resumeAt,
        settled: true,
      });
      await scheduleRun(deps.queue, runId, outcome.resumeAt);
      log.info({ resumeAt: outcome.resumeAt.toISOString() }, 'run waiting');
      return { status: 'waiting', resumeAt: outcome.resumeAt };
    }
  }
}

/** The error of a run claimed more often than `maxClaims` without settling, else null. */
function claimsExhausted(run: RunDoc, maxClaims: number): StepError | null {
  const claims = run.unsettledClaims ?? run.claims;
  if (claims <= maxClaims) return null;
  return {
    code: 'claims_exhausted',
    message: `the run was claimed ${claims} times without finishing, suspending or being released (limit ${maxClaims}, WEFT_RUNNER_MAX_CLAIMS): each attempt ended with its runner stopping, losing the lease or failing to store the run; dead-lettered instead of being tried again`,
    retryable: false,
    details: { claims, maxClaims },
  };
}

/** Ends a poison run as `dead` without executing it; its failure handler starts as for any dead run. */
async function deadLetter(
  deps: ProcessRunDeps,
  run: RunDoc,
  version: Pick<ScenarioVersionDoc, 'onFailure'>,
  error: StepError,
  logs: RunLogBuffer,
  log: Logger,
): Promise<ProcessRunResult> {
  logs.add({ nodeId: null, attempt: null, level: 'error', message: error.message });
  await logs.flush();
  const failureHandler = failureHandlerOf(run, version);
  await finishRun(deps.db.models, run._id, deps.owner, {
    status: 'dead',
    error,
    ...(failureHandler ? { failureHandler } : {}),
  });
  log.warn({ status: 'dead', code: error.code }, 'run dead-lettered');
  if (failureHandler) await startFailureHandler(deps, run._id, log);
  // A parent waiting on this run learns it ended.
  await afterRunSettled(deps, run, 'finished', { callsChildren: false, waitsForResumes: false, log });
  return { status: 'dead' };
}

function settledAs(result: ProcessRunResult): SettledAs {
  switch (result.status) {
    case 'succeeded':
    case 'failed':
    case 'dead':
    case 'cancelled':
      return 'finished';
    case 'waiting':
      return 'waiting';
    default:
      return 'other';
  }
}

/** An error of the database that is not an outage: it refused what the run tried to store. */
function isStorageRejection(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' && /^Mongo|^Mongoose|^ValidationError$|^CastError$/.test(name);
}

/**
 * After an unexpected error. The database is unreachable (`isDatabaseUnavailable`): give the run
 * back as queued with a job a little later (if even that fails, the lease expires and the sweeper
 * reschedules it). Anything else would recur on every attempt, so the run fails: with
 * `storage_rejected` when the database refused a write (a document too large or invalid), with
 * `internal` for a bug.
 */
async function handBack(
  deps: ProcessRunDeps,
  run: RunDoc,
  error: unknown,
  log: Logger,
  version: Pick<ScenarioVersionDoc, 'onFailure'> | null,
): Promise<void> {
  try {
    if (!isDatabaseUnavailable(error)) {
      const message = error instanceof Error ? error.message : String(error);
      const failureHandler = version ? failureHandlerOf(run, version) : undefined;
      const rejected = isStorageRejection(error);
      await finishRun(deps.db.models, run._id, deps.owner, {
        status: 'failed',
        error: {
          code: rejected ? 'storage_rejected' : 'internal',
          message: rejected
            ? `the database refused to store this run: ${message}`
            : `the runner failed executing this run: ${message}`,
          retryable: false,
        },
        ...(failureHandler ? { failureHandler } : {}),
      });
      if (failureHandler) await startFailureHandler(deps, run._id, log);
      return;
    }
    await releaseRun(deps.db.models, run._id, deps.owner, { status: 'queued' });
    await scheduleRun(
      deps.queue,
      run._id.toHexString(),
      new Date(Date.now() + (deps.errorRetryDelayMs ?? 5_000)),
    );
  } catch (releaseError) {
    log.error(
      { err: releaseError, cause: String(error) },
      'could not hand the run back; it is retried once its lease expires',
    );
  }
}
