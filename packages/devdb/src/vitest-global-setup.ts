import type { TestProject } from 'vitest/node';
import { startEmbeddedMongo } from './embedded.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The MongoDB server every test file of this run shares (each file uses its own database). */
    mongoUri: string;
  }
}

/**
 * Vitest global setup: one database server per test run. With `MONGODB_URI` set, that server
 * is used and nothing is started.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.MONGODB_URI;
  if (external) {
    project.provide('mongoUri', external);
    return undefined;
  }
  const server = await startEmbeddedMongo({ backend: 'memory' });
  project.provide('mongoUri', server.uri);
  return () => server.stop();
}
