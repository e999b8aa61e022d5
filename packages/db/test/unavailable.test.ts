import { MongoClient, MongoServerError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { freePort } from '@weft/devdb/services';
import { isDatabaseUnavailable } from '../src/index.js';
import { useDatabase } from './setup.js';

const ctx = useDatabase();

async function caught(task: () => Promise<unknown>): Promise<unknown> {
  try {
    await task();
  } catch (error) {
    return error;
  }
  throw new Error('expected the task to fail');
}

describe('isDatabaseUnavailable', () => {
  it('a server that cannot be reached is unavailable, also as the cause of another error', async () => {
    const port = await freePort();
    const client = new MongoClient(`mongodb://127.0.0.1:${port}/x`, { serverSelectionTimeoutMS: 200 });
    const error = await caught(() => client.db().collection('c').insertOne({ a: 1 }));
    await client.close();
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(isDatabaseUnavailable(new Error('could not save the step', { cause: error }))).toBe(true);
  });

  it('what the server refused is not: a duplicate key recurs on every attempt', async () => {
    const collection = ctx.db.connection.db!.collection('unavailable_dupes');
    await collection.insertOne({ _id: 'one' } as never);
    const error = await caught(() => collection.insertOne({ _id: 'one' } as never));
    expect((error as { code?: number }).code).toBe(11000);
    expect(isDatabaseUnavailable(error)).toBe(false);
    expect(isDatabaseUnavailable(new Error('a bug'))).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
  });

  it('an error the driver labels retryable is unavailable', () => {
    const error = new MongoServerError({ message: 'not primary', code: 10107 });
    expect(isDatabaseUnavailable(error)).toBe(false);
    error.addErrorLabel('RetryableWriteError');
    expect(isDatabaseUnavailable(error)).toBe(true);
  });
});
