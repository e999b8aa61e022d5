// `pnpm bench`: the embedded database (or MONGODB_URI), one api and one runner process, a
// published webhook → transform → condition → logger scenario, then
//   1. saturation: BENCH_CONNECTIONS clients for BENCH_DURATION_S seconds → acks/s, p50/p99;
//   2. drain: runs completed per second;
//   3. fixed rate: BENCH_RATE webhooks/s for BENCH_RATE_DURATION_S → received → finished and
//      enqueue → start (pickup) latency.
// Prints a table and writes bench/results/<date>.json and bench/results/latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { signWebhook } from '@weft/core/hmac';
import { createKeyring, generateSecretKey } from '@weft/core/secrets';
import {
  connectDatabase,
  createApp,
  createConnection,
  createScenario,
  createWorkspace,
  publishScenario,
  setScenarioEnabled,
} from '@weft/db';
import { startEmbeddedMongo, withDatabaseName } from '@weft/devdb';
import { freePort, startService, waitFor } from '@weft/devdb/services';
import { fixedRate, type LoadRequest, type LoadResult, saturate } from './load.js';
import { quantile, round } from './stats.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const CONNECTIONS = env('BENCH_CONNECTIONS', 50);
const DURATION_MS = env('BENCH_DURATION_S', 20) * 1000;
const RATE = env('BENCH_RATE', 50);
const RATE_DURATION_MS = env('BENCH_RATE_DURATION_S', 10) * 1000;
const WEBHOOK_SECRET = 'bench-webhook-secret-0123456789abcdef';

async function main() {
  const external = process.env.MONGODB_URI;
  const embedded = external ? null : await startEmbeddedMongo({ backend: 'memory' });
  const serverUri = external ?? embedded!.uri;
  const dbName = `weft_bench_${Date.now()}`;
  const uri = withDatabaseName(serverUri, dbName);
  const key = generateSecretKey();
  const keys = `bench:${key}`;
  const db = await connectDatabase(uri);

  // Seed through the repositories: a workspace, an app with a generic HMAC signature, its
  // connection holding the webhook secret, and the published, enabled scenario.
  const workspace = await createWorkspace(db.models, 'bench');
  const ring = createKeyring({ current: 'bench', keys: { bench: key } });
  const app = await createApp(db.models, workspace._id, {
    key: 'bench',
    name: 'Bench',
    signature: { scheme: 'generic' },
  });
  await createConnection(db.models, ring, workspace._id, {
    appId: app._id.toHexString(),
    name: 'bench',
    secrets: { webhookSecret: WEBHOOK_SECRET },
  });
  const scenario = await createScenario(db.models, workspace._id, {
    name: 'bench',
    draft: {
      nodes: [
        { id: 'hook', type: 'trigger.webhook', version: 1, config: { appId: app._id.toHexString() } },
        {
          id: 'shape',
          type: 'transform',
          version: 1,
          config: { expression: '{ "id": trigger.body.n, "total": trigger.body.total }' },
        },
        { id: 'check', type: 'condition', version: 1, config: { expression: 'input.total > 50' } },
        { id: 'log', type: 'logger', version: 1, config: { message: 'order {{ nodes.shape.id }} is large' } },
      ],
      edges: [
        { id: 'e1', source: 'hook', target: 'shape' },
        { id: 'e2', source: 'shape', target: 'check' },
        { id: 'e3', source: 'check', sourceHandle: 'true', target: 'log' },
      ],
    },
  });
  const published = await publishScenario(db.models, workspace._id, scenario._id.toHexString());
  if (!published.ok) throw new Error(`bench: publish failed: ${published.reason}`);
  await setScenarioEnabled(db.models, workspace._id, scenario._id.toHexString(), true);

  const port = await freePort();
  // The per-app rate limit is off: the benchmark measures capacity, not the limiter.
  const common = {
    MONGODB_URI: uri,
    WEFT_SECRET_KEYS: keys,
    LOG_LEVEL: 'warn',
    WEFT_WEBHOOK_RATE_PER_SEC: '0',
  };
  const api = startService('api', path.join(root, 'apps/api/dist/main.js'), {
    ...common,
    PORT: String(port),
    HOST: '127.0.0.1',
  });
  const runner = startService('runner', path.join(root, 'apps/runner/dist/main.js'), {
    ...common,
    WEFT_RUNNER_NAME: 'bench-runner',
  });
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok, 60_000, 'api health');

  let n = 0;
  const next = (): LoadRequest => {
    n++;
    const body = Buffer.from(
      JSON.stringify({ n, total: n % 100, customer: { id: `c${n % 977}`, tier: 'gold' } }),
    );
    const headers = signWebhook({ config: { scheme: 'generic' }, secret: WEBHOOK_SECRET, rawBody: body });
    return { path: '/webhook/bench', headers: { ...headers, 'content-type': 'application/json' }, body };
  };

  const runsSince = (since: Date) =>
    db.models.Run.find(
      { workspaceId: workspace._id, createdAt: { $gte: since } },
      { status: 1, createdAt: 1, startedAt: 1, finishedAt: 1 },
    )
      .lean()
      .exec();
  const drain = async (since: Date, expected: number, timeoutMs: number) => {
    await waitFor(
      async () =>
        (await db.models.Run.countDocuments({
          workspaceId: workspace._id,
          createdAt: { $gte: since },
          finishedAt: { $ne: null },
        })) >= expected,
      timeoutMs,
      `${expected} runs finishing`,
    );
  };

  // Warm-up: JIT, caches, connection pools; also proves the runner is processing.
  const warmStart = new Date();
  const warm = await saturate(port, 10, 2_000, next);
  await drain(warmStart, warm.byStatus[202] ?? 0, 120_000);

  const satStart = new Date();
  const sat = await saturate(port, CONNECTIONS, DURATION_MS, next);
  const accepted = sat.byStatus[202] ?? 0;
  await drain(satStart, accepted, 600_000);
  const satRuns = await runsSince(satStart);
  const firstCreated = Math.min(...satRuns.map((r) => r.createdAt.getTime()));
  const lastFinished = Math.max(...satRuns.map((r) => r.finishedAt?.getTime() ?? 0));
  const runsCompletedPerSec = satRuns.length / ((lastFinished - firstCreated) / 1000);

  const rateStart = new Date();
  const rate = await fixedRate(port, RATE, RATE_DURATION_MS, next);
  await drain(rateStart, rate.byStatus[202] ?? 0, 120_000);
  const rateRuns = await runsSince(rateStart);
  const e2e = rateRuns.map((r) => (r.finishedAt?.getTime() ?? Number.NaN) - r.createdAt.getTime());
  const pickup = rateRuns.map((r) => (r.startedAt?.getTime() ?? Number.NaN) - r.createdAt.getTime());

  const results = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: round(os.totalmem() / 2 ** 30, 1),
      node: process.version,
      database: external ? 'MONGODB_URI' : 'embedded (mongo-java-server, memory backend)',
    },
    workload: {
      connections: CONNECTIONS,
      durationS: DURATION_MS / 1000,
      fixedRatePerSec: RATE,
      fixedRateDurationS: RATE_DURATION_MS / 1000,
      scenario: 'webhook → transform → condition → logger',
    },
    ingestAcksPerSec: round(accepted / (sat.elapsedMs / 1000)),
    ingestP50Ms: round(quantile(sat.latenciesMs, 0.5), 2),
    ingestP99Ms: round(quantile(sat.latenciesMs, 0.99), 2),
    ingestNon202: sat.sent - accepted,
    runsCompletedPerSec: round(runsCompletedPerSec),
    fixedRateAckP50Ms: round(quantile(rate.latenciesMs, 0.5), 2),
    fixedRateAckP99Ms: round(quantile(rate.latenciesMs, 0.99), 2),
    e2eP50Ms: round(quantile(e2e, 0.5), 1),
    e2eP99Ms: round(quantile(e2e, 0.99), 1),
    pickupP50Ms: round(quantile(pickup, 0.5), 1),
    pickupP99Ms: round(quantile(pickup, 0.99), 1),
    apiPeakRssMiB: api.peakRssMiB(),
    runnerPeakRssMiB: runner.peakRssMiB(),
  };

  await Promise.all([api.stop(), runner.stop()]);
  await db.connection.dropDatabase();
  await db.close();
  await embedded?.stop();

  printTable(results, sat, rate);
  const dir = path.join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const json = `${JSON.stringify(results, null, 2)}\n`;
  writeFileSync(path.join(dir, `${results.date.slice(0, 10)}.json`), json);
  writeFileSync(path.join(dir, 'latest.json'), json);
}

function printTable(results: Record<string, unknown>, sat: LoadResult, rate: LoadResult) {
  console.log(`\nWeft end-to-end benchmark (${JSON.stringify(results.machine)})`);
  console.log(`saturation: ${sat.sent} sent, statuses ${JSON.stringify(sat.byStatus)}, ${sat.errors} errors`);
  console.log(
    `fixed rate: ${rate.sent} sent, statuses ${JSON.stringify(rate.byStatus)}, ${rate.errors} errors\n`,
  );
  const rows: [string, unknown][] = Object.entries(results).filter(([, v]) => typeof v === 'number');
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [key, value] of rows) console.log(`${key.padEnd(width)}  ${value}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
