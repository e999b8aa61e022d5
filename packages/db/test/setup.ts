import { testDatabase } from '@weft/devdb/test-db';
import { afterAll, beforeAll } from 'vitest';
import { connectDatabase, type Database } from '../src/index.js';

/** A connected database of this test file's own, dropped afterwards. */
export function useDatabase(): { readonly db: Database } {
  const target = testDatabase();
  const holder = {} as { db: Database };
  beforeAll(async () => {
    holder.db = await connectDatabase(target.serverUri, { dbName: target.dbName });
  });
  afterAll(async () => {
    await holder.db.connection.dropDatabase();
    await holder.db.close();
  });
  return holder;
}
