import { describe, expect, it } from 'vitest';
import {
  appendRunLogs,
  createRuns,
  findRunSummaries,
  InvalidCursorError,
  listRunChangesSince,
  listRunLogsPage,
  newObjectId,
} from '../src/index.js';
import { useDatabase } from './setup.js';

const ctx = useDatabase();

function newRun(workspaceId = newObjectId()) {
  return {
    workspaceId,
    scenarioId: newObjectId(),
    scenarioVersionId: newObjectId(),
    version: 1,
    trigger: { kind: 'manual' as const },
    correlationId: 'c',
    input: null,
    nodes: [
      { id: 'a', type: 'trigger.manual' },
      { id: 'b', type: 'logger' },
    ],
  };
}

describe('listRunLogsPage', () => {
  it('pages oldest first across equal timestamps, filters by node and level, rejects bad cursors', async () => {
    const workspaceId = newObjectId();
    const runId = newObjectId();
    const base = Date.UTC(2030, 0, 1);
    await appendRunLogs(
      ctx.db.models,
      Array.from({ length: 23 }, (_, i) => ({
        workspaceId,
        runId,
        correlationId: 'corr',
        nodeId: i % 2 === 0 ? 'a' : 'b',
        attempt: 1,
        level: i % 5 === 0 ? ('error' as const) : ('info' as const),
        message: `line ${i}`,
        // Triples share a timestamp: the _id tiebreak decides.
        ts: new Date(base + Math.floor(i / 3)),
      })),
    );
    await appendRunLogs(ctx.db.models, [
      {
        workspaceId: newObjectId(),
        runId,
        correlationId: 'corr',
        nodeId: 'a',
        attempt: 1,
        level: 'info',
        message: 'x',
        ts: new Date(base),
      },
    ]);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await listRunLogsPage(ctx.db.models, { workspaceId, runId, limit: 4, cursor });
      seen.push(...page.items.map((line) => line.message));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(23);
    expect(new Set(seen).size).toBe(23);
    const times = seen.map((message) => Math.floor(Number(message.slice(5)) / 3));
    expect(times).toEqual([...times].sort((x, y) => x - y));

    const onlyB = await listRunLogsPage(ctx.db.models, { workspaceId, runId, nodeId: 'b', limit: 100 });
    expect(onlyB.items.every((line) => line.nodeId === 'b')).toBe(true);
    expect(onlyB.items).toHaveLength(11);
    const errors = await listRunLogsPage(ctx.db.models, { workspaceId, runId, level: 'error', limit: 100 });
    expect(errors.items.map((line) => line.message)).toEqual([
      'line 0',
      'line 5',
      'line 10',
      'line 15',
      'line 20',
    ]);
    await expect(
      listRunLogsPage(ctx.db.models, { workspaceId, runId, limit: 5, cursor: 'garbage' }),
    ).rejects.toBeInstanceOf(InvalidCursorError);
  });
});

describe('listRunChangesSince and findRunSummaries', () => {
  it('lists runs updated since a time with compact steps', async () => {
    const since = new Date(Date.UTC(2031, 0, 1));
    const [old] = await createRuns(ctx.db.models, [newRun()], new Date(since.getTime() - 1_000));
    const [fresh] = await createRuns(ctx.db.models, [newRun()], new Date(since.getTime() + 1_000));
    const changes = await listRunChangesSince(ctx.db.models, since);
    const ids = changes.map((change) => change._id.toHexString());
    expect(ids).toContain(fresh!.toHexString());
    expect(ids).not.toContain(old!.toHexString());
    const change = changes.find((c) => c._id.equals(fresh!));
    expect(change?.steps).toEqual([
      { nodeId: 'a', status: 'pending', attempts: 0 },
      { nodeId: 'b', status: 'pending', attempts: 0 },
    ]);
    expect(change).not.toHaveProperty('input');
  });

  it('summarises only the workspace’s runs', async () => {
    const workspaceId = newObjectId();
    const [mine] = await createRuns(ctx.db.models, [newRun(workspaceId)]);
    const [theirs] = await createRuns(ctx.db.models, [newRun()]);
    const rows = await findRunSummaries(ctx.db.models, workspaceId, [mine!, theirs!]);
    expect(rows.map((row) => row._id.toHexString())).toEqual([mine!.toHexString()]);
    expect(rows[0]).toMatchObject({ status: 'queued', trigger: { kind: 'manual' } });
  });
});
