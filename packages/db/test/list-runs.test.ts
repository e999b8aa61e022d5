import { describe, expect, it } from 'vitest';
import { createRuns, decodeCursor, InvalidCursorError, listRuns, newObjectId } from '../src/index.js';
import { useDatabase } from './setup.js';

const ctx = useDatabase();

describe('listRuns', () => {
  it('pages newest first without gaps or repeats, also across equal timestamps, and filters', async () => {
    const workspaceId = newObjectId();
    const scenarioA = newObjectId();
    const scenarioB = newObjectId();
    const base = Date.UTC(2030, 0, 1);
    for (let i = 0; i < 25; i++) {
      // Pairs share a timestamp, so the _id tiebreak matters.
      await createRuns(
        ctx.db.models,
        [
          {
            workspaceId,
            scenarioId: i % 2 === 0 ? scenarioA : scenarioB,
            scenarioVersionId: newObjectId(),
            version: 1,
            trigger: { kind: 'manual' },
            correlationId: `c${i}`,
            input: null,
            nodes: [],
          },
        ],
        new Date(base + Math.floor(i / 2) * 1000),
      );
    }
    await createRuns(ctx.db.models, [
      {
        workspaceId: newObjectId(),
        scenarioId: scenarioA,
        scenarioVersionId: newObjectId(),
        version: 1,
        trigger: { kind: 'manual' },
        correlationId: 'other-tenant',
        input: null,
        nodes: [],
      },
    ]);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await listRuns(ctx.db.models, { workspaceId, limit: 7, cursor });
      seen.push(...page.items.map((r) => r.correlationId));
      expect(page.items.length).toBeLessThanOrEqual(7);
      expect(page.items[0]).not.toHaveProperty('steps');
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
    expect(seen).not.toContain('other-tenant');

    const onlyA = await listRuns(ctx.db.models, { workspaceId, scenarioId: scenarioA, limit: 100 });
    expect(onlyA.items).toHaveLength(13);
    expect(onlyA.nextCursor).toBeNull();
    const byCorrelation = await listRuns(ctx.db.models, { workspaceId, correlationId: 'c3', limit: 10 });
    expect(byCorrelation.items.map((r) => r.correlationId)).toEqual(['c3']);
    const window = await listRuns(ctx.db.models, {
      workspaceId,
      from: new Date(base + 2000),
      to: new Date(base + 4000),
      limit: 10,
    });
    expect(window.items.map((r) => r.correlationId).sort()).toEqual(['c4', 'c5', 'c6', 'c7']);
  });

  it('a malformed cursor is a specific error', async () => {
    expect(() => decodeCursor('nonsense')).toThrow(InvalidCursorError);
    await expect(
      listRuns(ctx.db.models, { workspaceId: newObjectId(), limit: 5, cursor: 'bad' }),
    ).rejects.toBeInstanceOf(InvalidCursorError);
  });
});
