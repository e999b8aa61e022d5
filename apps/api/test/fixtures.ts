import { TRPCError } from '@trpc/server';
import {
  claimRun,
  createRuns,
  finishRun,
  findScenarioVersion,
  newObjectId,
  pendingStep,
  saveStep,
  toObjectId,
} from '@weft/db';
import type { Caller, Harness } from './harness.js';

/** A manual trigger, a transform doubling `trigger.n`, a logger. */
export const manualGraph = {
  nodes: [
    { id: 'start', type: 'trigger.manual', version: 1, config: {}, position: { x: 0, y: 0 } },
    {
      id: 'double',
      type: 'transform',
      version: 1,
      config: { expression: '{ "n": trigger.n * 2 }' },
      position: { x: 200, y: 0 },
    },
    {
      id: 'log',
      type: 'logger',
      version: 1,
      config: { message: 'doubled {{ nodes.double.n }}' },
      position: { x: 400, y: 0 },
    },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'double' },
    { id: 'e2', source: 'double', target: 'log' },
  ],
};

/** The error a call fails with (a TRPCError from a caller). */
export async function rejection(promise: Promise<unknown>): Promise<TRPCError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** A published manual scenario of `caller`'s workspace. */
export async function publishedManualScenario(caller: Caller, name = 'Manual') {
  const scenario = await caller.scenarios.create({ name, draft: manualGraph });
  const published = await caller.scenarios.publish({ id: scenario.id });
  return { scenario: published.scenario, version: published.version };
}

/**
 * A run of the scenario's published version driven as a runner would: the trigger step
 * succeeded, the second step ended `second` (failed by default), the run finished `status`.
 */
export async function finishedRun(
  h: Harness,
  scenario: { publishedVersionId: string | null },
  options: {
    second?: 'failed' | 'succeeded';
    status?: 'failed' | 'succeeded' | 'dead';
    input?: unknown;
  } = {},
) {
  const { models } = h.db;
  const version = await findScenarioVersion(models, toObjectId(scenario.publishedVersionId!));
  const runId = newObjectId();
  const input = options.input ?? { n: 21 };
  await createRuns(models, [
    {
      _id: runId,
      workspaceId: version!.workspaceId,
      scenarioId: version!.scenarioId,
      scenarioVersionId: version!._id,
      version: version!.version,
      trigger: { kind: 'manual' },
      correlationId: `corr-${runId.toHexString()}`,
      input,
      nodes: version!.nodes,
    },
  ]);
  const owner = 'fixture-runner';
  await claimRun(models, runId, { owner, leaseMs: 60_000 });
  const at = new Date();
  await saveStep(models, runId, owner, {
    ...pendingStep('start', 'trigger.manual'),
    status: 'succeeded',
    attempts: 1,
    output: input,
    startedAt: at,
    finishedAt: at,
    durationMs: 2,
  });
  const second = options.second ?? 'failed';
  await saveStep(models, runId, owner, {
    ...pendingStep('double', 'transform'),
    status: second,
    attempts: second === 'failed' ? 3 : 1,
    ...(second === 'failed'
      ? { error: { code: 'expression_error', message: 'boom', retryable: false } }
      : { output: { n: 42 } }),
    startedAt: at,
    finishedAt: at,
    durationMs: 5,
  });
  if (second === 'failed') {
    await saveStep(models, runId, owner, { ...pendingStep('log', 'logger'), status: 'skipped' });
  }
  const status = options.status ?? (second === 'failed' ? 'failed' : 'succeeded');
  await finishRun(models, runId, owner, {
    status,
    error: status === 'succeeded' ? null : { code: 'expression_error', message: 'boom', retryable: false },
  });
  return runId.toHexString();
}
