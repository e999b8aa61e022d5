import { mongo } from 'mongoose';
import { describe, expect, it } from 'vitest';
import { insertFailures } from '../src/bulk-insert.js';
import { createRuns, newObjectId } from '../src/index.js';
import { useDatabase } from './setup.js';

const ctx = useDatabase();

function newRun(i: number) {
  return {
    _id: newObjectId(),
    workspaceId: newObjectId(),
    scenarioId: newObjectId(),
    scenarioVersionId: newObjectId(),
    version: 1,
    trigger: { kind: 'manual' as const },
    correlationId: `c${i}`,
    input: null,
    nodes: [{ id: 'start', type: 'trigger.manual' }],
  };
}

describe('insertFailures: what an unordered insertMany stored', () => {
  it('names each duplicate by index when every other document was inserted', async () => {
    const collection = ctx.db.connection.db!.collection('bulk_probe');
    await collection.insertOne({ _id: 'b' } as never);
    const error = await collection
      .insertMany([{ _id: 'a' }, { _id: 'b' }, { _id: 'c' }] as never[], { ordered: false })
      .then(() => null, (e: unknown) => e);
    const failures = insertFailures(error);
    expect([...(failures?.entries() ?? [])].map(([index, f]) => [index, f.code])).toEqual([[1, 11000]]);
  });

  it('is null for a lost connection, which the driver also reports as a bulk write error', () => {
    const error = new mongo.MongoBulkWriteError(new mongo.MongoNetworkError('connection reset'), {
      insertedCount: 0,
    } as never);
    expect(error.writeErrors).toEqual([]);
    expect(insertFailures(error)).toBeNull();
  });

  it('is null for a write concern error', () => {
    const error = { writeErrors: [], writeConcernError: { code: 64 } };
    expect(insertFailures(error)).toBeNull();
  });

  it('createRuns tolerates runs that exist already and stores the new ones', async () => {
    const [first, second] = [newRun(1), newRun(2)];
    await createRuns(ctx.db.models, [first!]);
    await createRuns(ctx.db.models, [first!, second!]);
    expect(await ctx.db.models.Run.countDocuments({ _id: { $in: [first!._id, second!._id] } })).toBe(2);
  });
});
