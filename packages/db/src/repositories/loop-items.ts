import type { LoopItem } from '@weft/core';
import type { Types } from 'mongoose';
import { toObjectId } from '../ids.js';
import type { Models, RunLoopItemDoc } from '../models.js';
import { fenceRunLease } from './run-fence.js';

const itemKey = (runId: Types.ObjectId, item: Pick<LoopItem, 'loopId' | 'index'>) => ({
  runId,
  loopId: item.loopId,
  index: item.index,
});

/**
 * Stores loop items of a run (each replaces the record with its loop and index), only while this
 * owner holds the run's lease: the lease is checked (and, with `leaseMs`, extended) on the run
 * first, so a runner that lost the run writes nothing and cannot start a body step's effect.
 */
export async function saveLoopItems(
  models: Models,
  run: { readonly id: Types.ObjectId; readonly workspaceId: Types.ObjectId },
  owner: string,
  items: readonly LoopItem[],
  options: { readonly leaseMs?: number; readonly now?: Date } = {},
): Promise<void> {
  if (items.length === 0) return;
  const now = await fenceRunLease(models, run.id, owner, options);
  await models.RunLoopItem.collection.bulkWrite(
    items.map((item) => ({
      replaceOne: {
        filter: itemKey(run.id, item),
        replacement: { ...item, workspaceId: run.workspaceId, runId: run.id, updatedAt: now },
        upsert: true,
      },
    })),
    { ordered: true },
  );
}

function toLoopItem(doc: RunLoopItemDoc): LoopItem {
  return {
    loopId: doc.loopId,
    index: doc.index,
    status: doc.status,
    ...(doc.output === undefined ? {} : { output: doc.output }),
    error: doc.error ?? null,
    steps: doc.steps ?? [],
    startedAt: doc.startedAt ?? null,
    finishedAt: doc.finishedAt ?? null,
    resumeAt: doc.resumeAt ?? null,
  };
}

/** Every stored item of one loop of a run, in index order (what a resumed loop starts from). */
export async function listLoopItems(
  models: Models,
  runId: Types.ObjectId,
  loopId: string,
): Promise<LoopItem[]> {
  const docs = await models.RunLoopItem.collection.find({ runId, loopId }, { sort: { index: 1 } }).toArray();
  return (docs as unknown as RunLoopItemDoc[]).map(toLoopItem);
}

export type LoopItemSummary = Pick<
  LoopItem,
  'index' | 'status' | 'error' | 'startedAt' | 'finishedAt' | 'resumeAt'
>;

/** A page of one loop's items of a workspace's run, without outputs or steps: the run page's item picker. */
export async function listLoopItemSummaries(
  models: Models,
  workspaceId: Types.ObjectId,
  runId: string | Types.ObjectId,
  loopId: string,
  page: { readonly fromIndex: number; readonly limit: number },
): Promise<LoopItemSummary[]> {
  const docs = await models.RunLoopItem.collection
    .find(
      { workspaceId, runId: toObjectId(runId, 'runId'), loopId, index: { $gte: page.fromIndex } },
      {
        sort: { index: 1 },
        limit: page.limit,
        projection: { index: 1, status: 1, error: 1, startedAt: 1, finishedAt: 1, resumeAt: 1 },
      },
    )
    .toArray();
  return docs.map((doc) => ({
    index: doc.index as number,
    status: doc.status as LoopItem['status'],
    error: (doc.error as LoopItem['error']) ?? null,
    startedAt: (doc.startedAt as Date | null) ?? null,
    finishedAt: (doc.finishedAt as Date | null) ?? null,
    resumeAt: (doc.resumeAt as Date | null) ?? null,
  }));
}

/** One loop item of a workspace's run, with its body steps; null if it never started. */
export async function findLoopItem(
  models: Models,
  workspaceId: Types.ObjectId,
  runId: string | Types.ObjectId,
  loopId: string,
  index: number,
): Promise<LoopItem | null> {
  const doc = await models.RunLoopItem.collection.findOne({
    workspaceId,
    runId: toObjectId(runId, 'runId'),
    loopId,
    index,
  });
  return doc ? toLoopItem(doc as unknown as RunLoopItemDoc) : null;
}

/**
 * A replay from the failure keeps what succeeded: the succeeded items of the original run are
 * copied to the new one (before it is inserted, so no runner sees it without them); failed and
 * unfinished items are not, so they run again.
 */
export async function copySucceededLoopItems(
  models: Models,
  from: Types.ObjectId,
  to: { readonly id: Types.ObjectId; readonly workspaceId: Types.ObjectId },
  now = new Date(),
): Promise<number> {
  const cursor = models.RunLoopItem.collection.find({ runId: from, status: 'succeeded' });
  let copied = 0;
  let batch: LoopItem[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await models.RunLoopItem.collection.bulkWrite(
      batch.map((item) => ({
        replaceOne: {
          filter: itemKey(to.id, item),
          replacement: { ...item, workspaceId: to.workspaceId, runId: to.id, updatedAt: now },
          upsert: true,
        },
      })),
      { ordered: false },
    );
    copied += batch.length;
    batch = [];
  };
  for await (const doc of cursor) {
    batch.push(toLoopItem(doc as unknown as RunLoopItemDoc));
    if (batch.length >= 500) await flush();
  }
  await flush();
  return copied;
}
