import { MongoClient, MongoServerError } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../src/test-db.js';

const db = testDatabase();
const client = new MongoClient(db.serverUri);

beforeAll(() => client.connect());
afterAll(() => client.close());

describe('contract: unique indexes', () => {
  it('a duplicate key is refused with code 11000 and nothing is written', async () => {
    const deliveries = client.db(db.dbName).collection('deliveries');
    await deliveries.createIndex({ appId: 1, deliveryId: 1 }, { unique: true });
    await deliveries.insertOne({ appId: 'a', deliveryId: 'd1', n: 1 });
    const error = await deliveries.insertOne({ appId: 'a', deliveryId: 'd1', n: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MongoServerError);
    expect((error as MongoServerError).code).toBe(11000);
    await deliveries.insertOne({ appId: 'b', deliveryId: 'd1', n: 3 });
    expect(await deliveries.countDocuments({ deliveryId: 'd1' })).toBe(2);
    expect(await deliveries.findOne({ appId: 'a' })).toMatchObject({ n: 1 });
  });
});
