import type { HttpPage } from '@weft/core';
import type { Types } from 'mongoose';
import type { Models, RunHttpPageDoc } from '../models.js';
import { fenceRunLease } from './run-fence.js';

const pageKey = (runId: Types.ObjectId, page: Pick<HttpPage, 'nodeId' | 'itemIndex' | 'page'>) => ({
  runId,
  nodeId: page.nodeId,
  itemIndex: page.itemIndex,
  page: page.page,
});

function stored(
  page: HttpPage,
  run: { readonly id: Types.ObjectId; readonly workspaceId: Types.ObjectId },
  now: Date,
): Omit<RunHttpPageDoc, '_id'> {
  return {
    ...page,
    itemCount: page.items.length,
    workspaceId: run.workspaceId,
    runId: run.id,
    updatedAt: now,
  };
}

/**
 * Stores fetched pages of a run's paginated requests (each replaces the record with its node, loop
 * item and page), only while this owner holds the run's lease, as `saveLoopItems` does.
 */
export async function saveHttpPages(
  models: Models,
  run: { readonly id: Types.ObjectId; readonly workspaceId: Types.ObjectId },
  owner: string,
  pages: readonly HttpPage[],
  options: { readonly leaseMs?: number; readonly now?: Date } = {},
): Promise<void> {
  if (pages.length === 0) return;
  const now = await fenceRunLease(models, run.id, owner, options);
  await models.RunHttpPage.collection.bulkWrite(
    pages.map((page) => ({
      replaceOne: {
        filter: pageKey(run.id, page),
        replacement: stored(page, run, now),
        upsert: true,
      },
    })),
    { ordered: true },
  );
}

function toHttpPage(doc: RunHttpPageDoc): HttpPage {
  return {
    nodeId: doc.nodeId,
    itemIndex: doc.itemIndex ?? null,
    page: doc.page,
    url: doc.url,
    status: doc.status,
    items: doc.items ?? [],
    next: doc.next ?? null,
    attempt: doc.attempt,
    fetchedAt: doc.fetchedAt,
  };
}

/** The stored pages of one paginated step of a run (`itemIndex` null at the top level), in page order. */
export async function listHttpPages(
  models: Models,
  runId: Types.ObjectId,
  nodeId: string,
  itemIndex: number | null,
): Promise<HttpPage[]> {
  const docs = await models.RunHttpPage.collection
    .find({ runId, nodeId, itemIndex }, { sort: { page: 1 } })
    .toArray();
  return (docs as unknown as RunHttpPageDoc[]).map(toHttpPage);
}

export interface HttpPageSummary {
  readonly page: number;
  readonly url: string;
  readonly status: number;
  readonly itemCount: number;
  readonly more: boolean;
  readonly fetchedAt: Date;
}

/** The pages one paginated step of a workspace's run has fetched, without their items: the run view. */
export async function listHttpPageSummaries(
  models: Models,
  workspaceId: Types.ObjectId,
  runId: Types.ObjectId,
  nodeId: string,
  itemIndex: number | null,
): Promise<HttpPageSummary[]> {
  const docs = await models.RunHttpPage.collection
    .find(
      { workspaceId, runId, nodeId, itemIndex },
      { sort: { page: 1 }, projection: { page: 1, url: 1, status: 1, itemCount: 1, next: 1, fetchedAt: 1 } },
    )
    .toArray();
  return docs.map((doc) => ({
    page: doc.page as number,
    url: doc.url as string,
    status: doc.status as number,
    itemCount: doc.itemCount as number,
    more: doc.next !== null && doc.next !== undefined,
    fetchedAt: doc.fetchedAt as Date,
  }));
}

/**
 * A replay from the failure goes on where the original stopped: its pages are copied to the new
 * run (before it is inserted), so a paginated step that failed at page n starts at page n.
 */
export async function copyHttpPages(
  models: Models,
  from: Types.ObjectId,
  to: { readonly id: Types.ObjectId; readonly workspaceId: Types.ObjectId },
  now = new Date(),
): Promise<number> {
  let copied = 0;
  let batch: HttpPage[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await models.RunHttpPage.collection.bulkWrite(
      batch.map((page) => ({
        replaceOne: {
          filter: pageKey(to.id, page),
          replacement: stored(page, to, now),
          upsert: true,
        },
      })),
      { ordered: false },
    );
    copied += batch.length;
    batch = [];
  };
  for await (const doc of models.RunHttpPage.collection.find({ runId: from })) {
    batch.push(toHttpPage(doc as unknown as RunHttpPageDoc));
    if (batch.length >= 100) await flush();
  }
  await flush();
  return copied;
}
