import {
  type BulkJobDoc,
  type BulkJobItemDoc,
  findBulkItem,
  findDelivery,
  findRun,
  findScenarioVersion,
  isBulkJobRun,
  isDatabaseUnavailable,
  newObjectId,
  recordBulkItem,
  settleBulkItem,
} from '@weft/db';
import type { ApiDeps } from '../deps.js';
import type { ObjectId } from '../ids.js';
import { createRedelivery, planRedelivery } from '../redeliver.js';
import { createReplay, planReplay } from '../replay.js';
import { loadVersion } from '../runs.js';

/** What became of one item, for the job's list of problems. */
export type ItemResult =
  | { readonly outcome: 'done' }
  | { readonly outcome: 'skipped' | 'failed'; readonly message: string }
  /** Settled by an earlier pass (before a crash, or by the process that held the lease before). */
  | { readonly outcome: 'seen' };

function itemId(job: Pick<BulkJobDoc, '_id'>, sourceId: ObjectId): string {
  return `${job._id.toHexString()}:${sourceId.toHexString()}`;
}

/**
 * Runs `create` for a pending item and settles it. An outage is thrown (the item stays pending
 * and the job's next holder finishes it with the same run ids); any other error fails the item.
 */
async function settle(deps: ApiDeps, item: BulkJobItemDoc, create: () => Promise<void>): Promise<ItemResult> {
  try {
    await create();
  } catch (error) {
    if (isDatabaseUnavailable(error)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    await settleBulkItem(deps.database.models, item._id, 'failed', message);
    return { outcome: 'failed', message };
  }
  await settleBulkItem(deps.database.models, item._id, 'done');
  return { outcome: 'done' };
}

/** Records an item that creates nothing, with the reason. */
async function skip(
  deps: ApiDeps,
  job: Pick<BulkJobDoc, '_id'>,
  sourceId: ObjectId,
  message: string,
): Promise<ItemResult> {
  const recorded = await recordBulkItem(deps.database.models, {
    jobId: job._id,
    sourceId,
    planned: [],
    outcome: 'skipped',
    message,
  });
  return recorded.created ? { outcome: 'skipped', message } : { outcome: 'seen' };
}

function findItem(deps: ApiDeps, id: string) {
  return findBulkItem(deps.database.models, id);
}

/**
 * Replays one run of a job, at most once whatever happens: the item is recorded with the replay's
 * run id before the run is created, and a recorded item is only ever finished with that id.
 */
export async function replayItem(
  deps: ApiDeps,
  job: BulkJobDoc & { spec: { kind: 'replay' } },
  sourceId: ObjectId,
): Promise<ItemResult> {
  const { models } = deps.database;
  const id = itemId(job, sourceId);
  const run = await findRun(models, job.workspaceId, sourceId);
  let item = await findItem(deps, id);
  if (!item) {
    if (!run) return skip(deps, job, sourceId, `run ${sourceId.toHexString()} no longer exists`);
    // Never a replay of the job's own replay.
    if (await isBulkJobRun(models, job._id, sourceId)) return { outcome: 'seen' };
    const plan = await planReplay(deps, run, job.spec.from, job.spec.version);
    if (!plan.ok) return skip(deps, job, sourceId, plan.message);
    const recorded = await recordBulkItem(models, {
      jobId: job._id,
      sourceId,
      planned: [{ runId: newObjectId(), scenarioVersionId: plan.version._id }],
      outcome: 'pending',
      message: null,
    });
    item = recorded.item;
  }
  if (item.outcome !== 'pending') return { outcome: 'seen' };
  const [plan] = item.planned;
  if (!run || !plan) {
    const message = `run ${sourceId.toHexString()} no longer exists`;
    await settleBulkItem(models, item._id, 'failed', message);
    return { outcome: 'failed', message };
  }
  const pending = item;
  return settle(deps, pending, async () => {
    const version = await findScenarioVersion(models, plan.scenarioVersionId);
    if (!version)
      throw new Error(`the version to replay run ${sourceId.toHexString()} with no longer exists`);
    await createReplay(deps, run, version, job.spec.from, plan.runId);
  });
}

/** Redelivers one delivery of a job, at most once, as `replayItem` replays a run. */
export async function redeliverItem(
  deps: ApiDeps,
  job: BulkJobDoc & { spec: { kind: 'redeliver' } },
  sourceId: ObjectId,
): Promise<ItemResult> {
  const { models } = deps.database;
  const id = itemId(job, sourceId);
  const delivery = await findDelivery(models, job.workspaceId, sourceId.toHexString());
  let item = await findItem(deps, id);
  if (!item) {
    if (!delivery) return skip(deps, job, sourceId, `delivery ${sourceId.toHexString()} no longer exists`);
    const plan = await planRedelivery(deps, delivery);
    if (!plan.ok) return skip(deps, job, sourceId, plan.message);
    if (plan.planned.length === 0) {
      return skip(
        deps,
        job,
        sourceId,
        `no enabled, published scenario matches delivery ${sourceId.toHexString()} now`,
      );
    }
    const recorded = await recordBulkItem(models, {
      jobId: job._id,
      sourceId,
      planned: plan.planned.map((p) => ({
        runId: p.runId,
        scenarioVersionId: p.version._id,
        searchKeys: [...p.searchKeys],
      })),
      outcome: 'pending',
      message: null,
    });
    item = recorded.item;
  }
  if (item.outcome !== 'pending') return { outcome: 'seen' };
  if (!delivery) {
    const message = `delivery ${sourceId.toHexString()} no longer exists`;
    await settleBulkItem(models, item._id, 'failed', message);
    return { outcome: 'failed', message };
  }
  const pending = item;
  return settle(deps, pending, async () => {
    const planned = await Promise.all(
      pending.planned.map(async (p) => {
        const version = await loadVersion(deps, p.scenarioVersionId);
        if (!version)
          throw new Error(`a version to redeliver delivery ${sourceId.toHexString()} with no longer exists`);
        return { version, runId: p.runId, searchKeys: p.searchKeys ?? [] };
      }),
    );
    await createRedelivery(deps, delivery, planned);
  });
}
