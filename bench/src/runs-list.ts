// The runs list with many runs: inserts BENCH_RUNS runs (default 1,000,000) in batches into a
// fresh database (the embedded one, or MONGODB_URI), then times `listRuns` (packages/db), the
// query behind `runs.list`: the first page, a deep cursor page (the middle of the list), and the
// first page filtered by scenario and by status. Not part of the tests; not part of `pnpm bench`.
//
//   cd bench && npx tsx src/runs-list.ts            # BENCH_RUNS, BENCH_BATCH, BENCH_REPS, BENCH_PAGE
//   WEFT_DEVDB_JAVA_OPTS=-Xmx10g                    # heap for the embedded server (about 16 KiB a run)
//   BENCH_HEAP_HISTO=1                              # also the embedded JVM's largest classes
//
// Prints one table (median and p95 per query, ms), each query's plan (index used, keys and
// documents examined: MongoDB and the embedded server both answer explain) and, for the embedded
// server, its JVM heap after a full GC once the runs are in. The embedded server walks real
// ordered indexes (packages/devdb README, "Secondary indexes"): a page reads limit + 1 entries.
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import {
  afterCursor,
  connectDatabase,
  encodeCursor,
  type ListRunsQuery,
  listRuns,
  newObjectId,
} from '@weft/db';
import { startEmbeddedMongo, withDatabaseName } from '@weft/devdb';
import type { Types } from 'mongoose';
import { quantile, round } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 1_000_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 10_000);
const REPS = Number(process.env.BENCH_REPS ?? 20);
const PAGE = Number(process.env.BENCH_PAGE ?? 50);
const SCENARIOS = 20;

const embedded = process.env.MONGODB_URI
  ? undefined
  : await startEmbeddedMongo({ backend: 'memory', log: (line) => console.error(line) });
const serverUri = process.env.MONGODB_URI ?? embedded!.uri;
const dbName = `weft_bench_runs_${Date.now()}`;
const db = await connectDatabase(withDatabaseName(serverUri, dbName), { dbName });

// Most runs belong to one workspace (the worst case for its list); 5 % to another.
const workspace = newObjectId();
const otherWorkspace = newObjectId();
const scenarios = Array.from({ length: SCENARIOS }, () => newObjectId());
const versions = scenarios.map(() => newObjectId());
const start = Date.UTC(2030, 0, 1);
const spacingMs = (90 * 86_400_000) / RUNS; // 90 days of runs
const STATUSES = [
  'succeeded',
  'succeeded',
  'succeeded',
  'succeeded',
  'succeeded',
  'succeeded',
  'failed',
  'dead',
  'succeeded',
  'cancelled',
] as const;

function step(nodeId: string, nodeType: string, at: Date, output: unknown) {
  return {
    nodeId,
    nodeType,
    status: 'succeeded',
    attempts: 1,
    firedHandles: null,
    inputSummary: { in: { orderId: 'ord_123', total: 150 } },
    output,
    outputTruncated: false,
    error: null,
    startedAt: at,
    finishedAt: at,
    durationMs: 2,
    resumeAt: null,
  };
}

/** A finished 4-node run as the runner leaves it (about 1.3 KB of BSON). */
function run(i: number) {
  // Pairs of runs share a timestamp: the (createdAt, _id) order matters.
  const createdAt = new Date(start + Math.floor(i / 2) * 2 * spacingMs);
  const scenario = i % SCENARIOS;
  const status = STATUSES[i % STATUSES.length]!;
  const workspaceId = i % 20 === 7 ? otherWorkspace : workspace;
  return {
    _id: newObjectId(),
    workspaceId,
    scenarioId: scenarios[scenario]!,
    scenarioVersionId: versions[scenario]!,
    version: 1,
    trigger: { kind: 'webhook', deliveryId: newObjectId(), replayOf: null },
    correlationId: `dlv_${i.toString(36)}`,
    input: {
      body: { type: 'order.created', id: `ord_${i}`, total: i % 500 },
      headers: { 'content-type': 'application/json' },
    },
    status,
    steps: [
      step('hook', 'trigger.webhook', createdAt, { body: { id: `ord_${i}` } }),
      step('shape', 'transform', createdAt, { orderId: `ord_${i}`, doubled: (i % 500) * 2 }),
      step('call', 'http.request', createdAt, {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: { ok: true },
      }),
      step('log', 'logger', createdAt, { message: 'done' }),
    ],
    error:
      status === 'succeeded' || status === 'cancelled'
        ? null
        : { code: 'http_5xx', message: 'node "call": HTTP 503', retryable: true },
    cancelRequested: false,
    leaseOwner: null,
    leaseExpiresAt: null,
    claims: 1,
    resumeAt: null,
    outputsPrunedAt: null,
    createdAt,
    startedAt: createdAt,
    finishedAt: new Date(createdAt.getTime() + 40),
    updatedAt: new Date(createdAt.getTime() + 40),
  };
}

console.error(
  `inserting ${RUNS.toLocaleString('en')} runs in batches of ${BATCH.toLocaleString('en')} into ${embedded ? 'the embedded server (memory backend)' : 'MONGODB_URI'}`,
);
const runs = db.connection.db!.collection('runs');
const insertStarted = performance.now();
let middle: { createdAt: Date; _id: Types.ObjectId } | undefined;
for (let offset = 0; offset < RUNS; offset += BATCH) {
  const docs = Array.from({ length: Math.min(BATCH, RUNS - offset) }, (_, k) => run(offset + k));
  for (const doc of docs) {
    // The run in the middle of the workspace's list: where the deep page starts.
    if (!middle && doc.workspaceId === workspace && offset + docs.indexOf(doc) >= RUNS / 2) middle = doc;
  }
  try {
    await runs.insertMany(docs, { ordered: false });
  } catch (error) {
    // A server out of memory (the embedded one keeps everything on its JVM heap) times out here.
    console.error(`insert failed after ${offset.toLocaleString('en')} runs: ${(error as Error).message}`);
    await embedded?.stop();
    process.exit(1);
  }
  if ((offset / BATCH) % 10 === 9 || offset + BATCH >= RUNS) {
    const done = Math.min(RUNS, offset + BATCH);
    const secs = (performance.now() - insertStarted) / 1000;
    console.error(
      `  ${done.toLocaleString('en')} runs, ${Math.round(done / secs).toLocaleString('en')} runs/s`,
    );
  }
}
const insertSecs = (performance.now() - insertStarted) / 1000;

/**
 * The embedded server's JVM heap in use after a full collection (`jcmd GC.run`, then
 * `GC.heap_info`): what the stored runs and their indexes hold. With BENCH_HEAP_HISTO=1 also the
 * largest classes (`GC.class_histogram`). Undefined when jcmd is not available.
 */
function heapAfterFullGc(pid: number): number | undefined {
  try {
    execFileSync('jcmd', [String(pid), 'GC.run'], { stdio: 'ignore' });
    const info = execFileSync('jcmd', [String(pid), 'GC.heap_info'], { encoding: 'utf8' });
    if (process.env.BENCH_HEAP_HISTO === '1') {
      const histogram = execFileSync('jcmd', [String(pid), 'GC.class_histogram'], { encoding: 'utf8' });
      console.error(histogram.split('\n').slice(0, 25).join('\n'));
    }
    const used = /used (\d+)K/.exec(info);
    return used ? Number(used[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
const heapBytes = embedded ? heapAfterFullGc(embedded.pid) : undefined;

const queries: { name: string; query: ListRunsQuery }[] = [
  { name: `first page (${PAGE})`, query: { workspaceId: workspace, limit: PAGE } },
  {
    name: `deep page: cursor at run ${Math.round(RUNS / 2).toLocaleString('en')}`,
    query: { workspaceId: workspace, limit: PAGE, cursor: encodeCursor(middle!.createdAt, middle!._id) },
  },
  {
    name: 'first page, one scenario',
    query: { workspaceId: workspace, scenarioId: scenarios[3]!, limit: PAGE },
  },
  { name: 'first page, status failed', query: { workspaceId: workspace, status: 'failed', limit: PAGE } },
];

const rows: Record<string, string | number>[] = [];
for (const { name, query } of queries) {
  const samples: number[] = [];
  let items = 0;
  for (let i = 0; i < REPS + 2; i++) {
    const began = performance.now();
    const page = await listRuns(db.models, query);
    const ms = performance.now() - began;
    items = page.items.length;
    if (i >= 2) samples.push(ms); // two warm-ups
  }
  rows.push({
    query: name,
    items,
    'median ms': round(quantile(samples, 0.5), 1),
    'p95 ms': round(quantile(samples, 0.95), 1),
  });
}

console.log(
  `\nlistRuns over ${RUNS.toLocaleString('en')} runs (${round(insertSecs, 1)} s to insert, ${REPS} timed calls each, after 2 warm-ups)`,
);
console.table(rows);
if (heapBytes !== undefined)
  console.log(
    `embedded server's JVM heap after a full GC: ${round(heapBytes / 2 ** 20, 0).toLocaleString('en')} MiB, ${round(heapBytes / RUNS / 1024, 1)} KiB per run`,
  );

// Which index each page uses and how much it reads (MongoDB, and the embedded server, which
// answers explain for find).
for (const { name, query } of queries) {
  const filter = {
    workspaceId: query.workspaceId,
    ...(query.scenarioId ? { scenarioId: query.scenarioId } : {}),
    ...(query.status ? { status: query.status } : {}),
    ...afterCursor('createdAt', query.cursor),
  };
  const plan = await runs
    .find(filter)
    .sort({ createdAt: -1, _id: -1 })
    .limit(PAGE + 1)
    .explain('executionStats')
    .catch((error: Error) => error);
  if (plan instanceof Error) {
    console.log(`${name}: no plan (${plan.message})`);
    continue;
  }
  const stats = plan.executionStats as { totalKeysExamined: number; totalDocsExamined: number };
  const winning =
    JSON.stringify(plan.queryPlanner?.winningPlan).match(/"indexName":"([^"]+)"/)?.[1] ??
    'none (collection scan)';
  console.log(
    `${name}: index ${winning}, keys examined ${stats.totalKeysExamined}, docs examined ${stats.totalDocsExamined}`,
  );
}

await db.connection.dropDatabase();
await db.close();
await embedded?.stop();
