import type { HttpPage } from '@weft/core';
import { describe, expect, it } from 'vitest';
import {
  claimRun,
  copyHttpPages,
  createRuns,
  LeaseLostError,
  listHttpPageSummaries,
  listHttpPages,
  newObjectId,
  saveHttpPages,
} from '../src/index.js';
import { useDatabase } from './setup.js';

const ctx = useDatabase();
const workspaceId = newObjectId();

async function claimedRun(owner = 'runner-a') {
  const [id] = await createRuns(ctx.db.models, [
    {
      workspaceId,
      scenarioId: newObjectId(),
      scenarioVersionId: newObjectId(),
      version: 1,
      trigger: { kind: 'manual' },
      correlationId: 'corr-pages',
      input: null,
      nodes: [{ id: 'list', type: 'http.request' }],
    },
  ]);
  await claimRun(ctx.db.models, id!, { owner, leaseMs: 30_000 });
  return { id: id!, workspaceId };
}

const page = (n: number, changes: Partial<HttpPage> = {}): HttpPage => ({
  nodeId: 'list',
  itemIndex: null,
  page: n,
  url: `https://api.example.com/contacts?page=${n}`,
  status: 200,
  items: [{ id: n }],
  next: n + 1,
  attempt: 1,
  fetchedAt: new Date(Date.UTC(2030, 0, 1, 0, 0, n)),
  ...changes,
});

describe('http pages', () => {
  it('stores pages per run, node and loop item, replacing by page, listed in page order', async () => {
    const run = await claimedRun();
    await saveHttpPages(ctx.db.models, run, 'runner-a', [page(2), page(1)]);
    await saveHttpPages(ctx.db.models, run, 'runner-a', [page(2, { items: [{ id: 'again' }], next: null })]);
    await saveHttpPages(ctx.db.models, run, 'runner-a', [page(1, { itemIndex: 0, items: ['item 0'] })]);

    expect(await listHttpPages(ctx.db.models, run.id, 'list', null)).toEqual([
      page(1),
      page(2, { items: [{ id: 'again' }], next: null }),
    ]);
    expect((await listHttpPages(ctx.db.models, run.id, 'list', 0)).map((p) => p.items)).toEqual([['item 0']]);
    expect(await listHttpPages(ctx.db.models, run.id, 'other', null)).toEqual([]);
    // The run view's list: no items, their count, whether a next page followed; of this workspace only.
    expect(await listHttpPageSummaries(ctx.db.models, workspaceId, run.id, 'list', null)).toEqual([
      { page: 1, url: page(1).url, status: 200, itemCount: 1, more: true, fetchedAt: page(1).fetchedAt },
      { page: 2, url: page(2).url, status: 200, itemCount: 1, more: false, fetchedAt: page(2).fetchedAt },
    ]);
    expect(await listHttpPageSummaries(ctx.db.models, newObjectId(), run.id, 'list', null)).toEqual([]);
  });

  it('writes nothing for a runner that no longer holds the run', async () => {
    const run = await claimedRun('runner-a');
    await expect(saveHttpPages(ctx.db.models, run, 'runner-b', [page(1)])).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    expect(await listHttpPages(ctx.db.models, run.id, 'list', null)).toEqual([]);
  });

  it('copies the pages of a run to its replay', async () => {
    const run = await claimedRun();
    await saveHttpPages(ctx.db.models, run, 'runner-a', [page(1), page(2), page(1, { itemIndex: 3 })]);
    const replay = { id: newObjectId(), workspaceId };
    expect(await copyHttpPages(ctx.db.models, run.id, replay)).toBe(3);
    expect(await listHttpPages(ctx.db.models, replay.id, 'list', null)).toEqual([page(1), page(2)]);
    expect(await listHttpPages(ctx.db.models, replay.id, 'list', 3)).toEqual([page(1, { itemIndex: 3 })]);
  });
});
