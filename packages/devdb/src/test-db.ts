import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { expect, inject } from 'vitest';
import { withDatabaseName } from './uri.js';

export interface TestDatabase {
  /** The shared server's URI, without a database. */
  readonly serverUri: string;
  /** A database name no other test file uses. */
  readonly dbName: string;
  /** `serverUri` with `dbName` as its database. */
  readonly uri: string;
}

function sanitize(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 40);
}

/**
 * A fresh database on the run's shared server for the calling test file (requires the
 * `@weft/devdb/vitest-global-setup` global setup). Names are unique per call.
 */
export function testDatabase(label?: string): TestDatabase {
  const serverUri = inject('mongoUri');
  const file = expect.getState().testPath;
  const base = label ?? (file ? path.basename(file).replace(/\.test\.[cm]?[jt]s$/, '') : 'test');
  const dbName = `weft_test_${sanitize(base)}_${randomBytes(4).toString('hex')}`;
  return { serverUri, dbName, uri: withDatabaseName(serverUri, dbName) };
}
