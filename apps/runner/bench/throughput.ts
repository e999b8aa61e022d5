/**
 * Runner throughput on the embedded database (not part of the tests):
 *   node --import tsx bench/throughput.ts [runs=2000] [concurrency=50]
 * Starts the embedded database (or uses MONGODB_URI), publishes trigger → transform → condition →
 * logger, enqueues `runs` runs at once and measures how fast one in-process runner completes them.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createKeyring, generateSecretKey } from '@weft/core/secrets';
import {
  connectDatabase,
  createQueue,
  createRuns,
  createScenario,
  createWorkspace,
  publishScenario,
  scheduleRun,
} from '@weft/db';
import { startEmbeddedMongo } from '@weft/devdb';
import pino from 'pino';
import { createHttpClient } from '../src/execution/http-client.js';
import { startWorker } from '../src/worker.js';

const RUNS = Number(process.argv[2] ?? 2_000);
const CONCURRENCY = Number(process.argv[3] ?? 50);

const server = process.env.MONGODB_URI ? undefined : await startEmbeddedMongo({ backend: 'memory' });
const uri = process.env.MONGODB_URI ?? server!.uri;
const db = await connectDatabase(uri, {
  dbName: `weft_bench_${randomBytes(3).toString('hex')}`,
  maxPoolSize: 100,
});
const workspace = await createWorkspace(db.models, 'bench');
const scenario = await createScenario(db.models, workspace._id, {
  name: 'bench',
  draft: {
    nodes: [
      { id: 'start', type: 'trigger.manual', version: 1, config: {} },
      {
        id: 'shape',
        type: 'transform',
        version: 1,
        config: { expression: '{ "total": trigger.body.total * 2 }' },
      },
      { id: 'check', type: 'condition', version: 1, config: { expression: 'nodes.shape.total > 100' } },
      { id: 'log', type: 'logger', version: 1, config: { message: 'big order {{ nodes.shape.total }}' } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'shape' },
      { id: 'e2', source: 'shape', target: 'check' },
      { id: 'e3', source: 'check', sourceHandle: 'true', target: 'log' },
    ],
  },
});
const published = await publishScenario(db.models, workspace._id, scenario._id.toHexString());
if (!published.ok) throw new Error('publish failed');
const version = published.version;

const worker = await startWorker(
  {
    db,
    keyring: createKeyring({ current: 'k', keys: { k: generateSecretKey() } }),
    http: createHttpClient(),
    logger: pino({ level: 'warn' }),
    owner: 'bench-runner',
  },
  {
    concurrency: CONCURRENCY,
    processEveryMs: Number(process.env.BENCH_PROCESS_EVERY_MS ?? 200),
    leaseMs: 30_000,
    shutdownGraceMs: 1_000,
    sweep: false,
    notifications: process.env.BENCH_NOTIFY !== '0',
  },
);
const producer = createQueue(db, { name: 'bench-producer' });

const ids = await createRuns(
  db.models,
  Array.from({ length: RUNS }, (_, i) => ({
    workspaceId: workspace._id,
    scenarioId: version.scenarioId,
    scenarioVersionId: version._id,
    version: version.version,
    trigger: { kind: 'manual' as const },
    correlationId: `bench-${i}`,
    input: { body: { total: 150 } },
    nodes: version.nodes.map((n) => ({ id: n.id, type: n.type })),
  })),
);
const started = Date.now();
for (let i = 0; i < ids.length; i += 50) {
  await Promise.all(ids.slice(i, i + 50).map((id) => scheduleRun(producer, id.toHexString())));
}
const enqueued = Date.now();
let done = 0;
while (done < RUNS) {
  done = await db.models.Run.countDocuments({ status: 'succeeded' });
  if (Date.now() - started > 300_000) break;
  await sleep(100);
}
const elapsed = Date.now() - started;
console.log(
  JSON.stringify({
    runs: RUNS,
    completed: done,
    concurrency: CONCURRENCY,
    enqueueMs: enqueued - started,
    elapsedMs: elapsed,
    runsPerSec: Math.round((done * 1000) / elapsed),
  }),
);
await worker.stop();
await producer.stop(false);
await db.connection.dropDatabase();
await db.close();
await server?.stop();
process.exit(0);
