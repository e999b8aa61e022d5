// `pnpm bench`: Weft's benchmark suite, in one go, printing one table. The embedded database (or
// MONGODB_URI), one api process and runner processes (the built `dist/main.js`, as deployed), and
// published scenarios on three apps:
//
//   ingest      BENCH_CONNECTIONS clients for BENCH_DURATION_S: webhook acks/s, p50/p99 (closed
//               loop, saturation), while one runner executes; then the runs drain: runs/s end to
//               end (first received → last finished) for the 4-node scenario
//   2 runners   a second runner process joins; the ingest phase again (runs/s against 1 runner);
//               then it stops again
//   ingest rate BENCH_INGEST_RATE webhooks/s for BENCH_RATE_DURATION_S (open loop): ack p50/p99
//   end to end  BENCH_RATE webhooks/s for BENCH_RATE_DURATION_S (open loop): ack p50/p99,
//               received → finished p50/p99, enqueue → start (pickup) p50/p99
//   50 nodes    BENCH_WIDE_RUNS webhooks of a 50-node scenario (7 stages of 6 parallel transforms)
//   1 MiB       BENCH_BIG_DURATION_S of 1 MiB webhooks (BENCH_BIG_CONNECTIONS clients)
//               (BENCH_ONLY=1mib runs the warm-up, this phase and the peak RSS only)
//   for-each    BENCH_FOREACH_RUNS webhooks of 100 items each, a loop (concurrency 10) posting
//               every item to a local sink: items/s, run duration p50/p99
//               (BENCH_ONLY=for-each runs the warm-up and this phase only)
//   flow control BENCH_FLOW_RUNS webhooks (default 1000) over 10 customers, with 2 runners: the
//               4-node scenario without a limit, then with concurrency 1 per customer: whether
//               each customer's runs kept their order (violations), and runs/s of both
//               (BENCH_ONLY=flow-control runs the warm-up and this phase only)
//   memory      peak RSS of the api and of each runner over the whole suite
//
// CPU time of every process (api, runners, database, this client) is recorded per phase, so the
// table also says who was busy. The suite runs on each backend of BENCH_BACKENDS (default
// `memory,h2`: the embedded database in memory, and on its H2 file as `npm start` runs it, every
// write on file before it is acknowledged; with MONGODB_URI, that server alone), BENCH_ROUNDS
// times each (default 3, each on a fresh database and fresh processes), and prints the median of
// each figure with every round's value, the backends side by side with their ratio.
// BENCH_QUICK=1 shortens every phase and runs one round (a smoke run).
// BENCH_CPU_PROF=<dir> starts api and runners with `--cpu-prof` into <dir> (summaries:
// `pnpm --filter @weft/bench profile <file>`); WEFT_DEVDB_JAVA_OPTS passes options to the
// embedded database's JVM (e.g. a flight recording).
//
// Writes bench/results/<date>.json and bench/results/latest.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { signWebhook } from '@weft/core/hmac';
import { createKeyring, generateSecretKey } from '@weft/core/secrets';
import { connectDatabase, createWorkspace, type Database, toObjectId } from '@weft/db';
import { startEmbeddedMongo, withDatabaseName } from '@weft/devdb';
import { freePort, type Service, startService, waitFor } from '@weft/devdb/services';
import type { Types } from 'mongoose';

type ObjectId = Types.ObjectId;
import { fixedRate, type LoadRequest, type LoadResult, saturate } from './load.js';
import { CpuMeter, peakRssMiB } from './procstat.js';
import { FLOW_KEYS, flowBody, orderViolations, PER_CUSTOMER } from './flow-control.js';
import { FOR_EACH_ITEMS, forEachBody, forEachNodes, startLineSink } from './for-each.js';
import { fiftyNodes, fourNodes, type SeededApp, seedApp, WEBHOOK_SECRET } from './seed.js';
import { quantile, round } from './stats.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const QUICK = process.env.BENCH_QUICK === '1';
const env = (name: string, normal: number, quick: number) =>
  Number(process.env[name] ?? (QUICK ? quick : normal));
const CONNECTIONS = env('BENCH_CONNECTIONS', 50, 20);
const DURATION_MS = env('BENCH_DURATION_S', 20, 4) * 1000;
const RATE = env('BENCH_RATE', 200, 50);
const INGEST_RATE = env('BENCH_INGEST_RATE', 1000, 200);
const RATE_DURATION_MS = env('BENCH_RATE_DURATION_S', 10, 3) * 1000;
const WIDE_RUNS = env('BENCH_WIDE_RUNS', 1000, 100);
const BIG_DURATION_MS = env('BENCH_BIG_DURATION_S', 8, 2) * 1000;
const BIG_CONNECTIONS = env('BENCH_BIG_CONNECTIONS', 8, 4);
const BIG_BYTES = 1024 * 1024;
const FOREACH_RUNS = env('BENCH_FOREACH_RUNS', 40, 5);
const ONLY_FOR_EACH = process.env.BENCH_ONLY === 'for-each';
const ONLY_FLOW = process.env.BENCH_ONLY === 'flow-control';
const ONLY_BIG = process.env.BENCH_ONLY === '1mib';
const FLOW_RUNS = Number(process.env.BENCH_FLOW_RUNS ?? 1_000);
const CPU_PROF = process.env.BENCH_CPU_PROF;
/** BENCH_LOG_DIR=<dir>: each service's output goes to <dir>/<name>.log. */
const logFile = (name: string) =>
  process.env.BENCH_LOG_DIR ? { logFile: path.join(process.env.BENCH_LOG_DIR, `${name}.log`) } : {};

interface Row {
  readonly section: string;
  readonly metric: string;
  readonly value: number | string | null;
  readonly unit?: string;
}

const ROUNDS = env('BENCH_ROUNDS', 3, 1);

/** Where the suite's data lives: the embedded server's two backends, or the MONGODB_URI server. */
type Backend = 'memory' | 'h2' | 'mongodb';
const BACKEND_NAMES: Record<Backend, string> = {
  memory: 'embedded, memory backend (keeps nothing)',
  h2: 'embedded, H2 backend (a file; what npm start runs)',
  mongodb: 'MONGODB_URI',
};

function backendsToRun(): Backend[] {
  if (process.env.MONGODB_URI) return ['mongodb'];
  const names = (process.env.BENCH_BACKENDS ?? 'memory,h2').split(',').map((name) => name.trim());
  for (const name of names)
    if (name !== 'memory' && name !== 'h2')
      throw new Error(`BENCH_BACKENDS: unknown backend "${name}" (memory or h2)`);
  return names as Backend[];
}

/** One round of every phase, on a fresh database and fresh processes. */
async function runRound(backend: Backend): Promise<Row[]> {
  const external = backend === 'mongodb' ? process.env.MONGODB_URI : undefined;
  const dataDir = backend === 'h2' ? mkdtempSync(path.join(os.tmpdir(), 'weft-bench-h2-')) : null;
  const embedded = external
    ? null
    : await startEmbeddedMongo(
        dataDir ? { backend: 'h2', dataFile: path.join(dataDir, 'weft.mv.db') } : { backend: 'memory' },
      );
  const uri = withDatabaseName(external ?? embedded!.uri, `weft_bench_${Date.now()}`);
  const key = generateSecretKey();
  const keyring = createKeyring({ current: 'bench', keys: { bench: key } });
  const db = await connectDatabase(uri);
  const workspace = await createWorkspace(db.models, 'bench');
  const four = await seedApp(db, keyring, workspace._id, 'bench', fourNodes);
  const wide = await seedApp(db, keyring, workspace._id, 'wide', fiftyNodes);
  const big = await seedApp(db, keyring, workspace._id, 'big', fourNodes);
  const lineSink = await startLineSink();
  const loop = await seedApp(db, keyring, workspace._id, 'loop', forEachNodes(lineSink.url));
  const free = await seedApp(db, keyring, workspace._id, 'flow-free', fourNodes);
  const limited = await seedApp(db, keyring, workspace._id, 'flow-limited', fourNodes, PER_CUSTOMER);

  const port = await freePort();
  const nodeArgs = [
    ...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(CPU_PROF)}`] : []),
    ...(process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean),
  ];
  // The per-app rate limit is off: the benchmark measures capacity, not the limiter.
  const common = {
    MONGODB_URI: uri,
    WEFT_SECRET_KEYS: `bench:${key}`,
    LOG_LEVEL: 'warn',
    WEFT_WEBHOOK_RATE_PER_SEC: '0',
    WEFT_WEBHOOK_BODY_LIMIT: '2mb',
    // Several runners on one host: no metrics listeners (they would share a port).
    WEFT_RUNNER_METRICS_PORT: '0',
    // The for-each phase's body posts to a sink on loopback.
    WEFT_HTTP_ALLOW_PRIVATE: '127.0.0.1',
  };
  const api = startService(
    'api',
    path.join(root, 'apps/api/dist/main.js'),
    { ...common, PORT: String(port), HOST: '127.0.0.1' },
    { nodeArgs, ...logFile('api') },
  );
  const runners: Service[] = [];
  const startRunner = () => {
    const runner = startService(
      `runner-${runners.length + 1}`,
      path.join(root, 'apps/runner/dist/main.js'),
      { ...common, WEFT_RUNNER_NAME: `bench-runner-${runners.length + 1}` },
      { nodeArgs, ...logFile(`runner-${runners.length + 1}`) },
    );
    runners.push(runner);
    return runner;
  };
  startRunner();
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok, 60_000, 'api health');

  const cpu = new CpuMeter(() => ({
    api: api.child.pid,
    ...Object.fromEntries(runners.map((r) => [r.name, r.child.pid])),
    db: embedded?.pid,
    client: process.pid,
  }));
  const peaks = new Map<string, number>();
  const samplePeaks = () => {
    for (const service of [api, ...runners]) {
      const peak = service.child.pid ? peakRssMiB(service.child.pid) : null;
      if (peak !== null) peaks.set(service.name, Math.max(peaks.get(service.name) ?? 0, peak));
    }
  };
  const peakTimer = setInterval(samplePeaks, 1_000);

  let n = 0;
  /** A signed webhook with a body of its own (its delivery id is the body's hash, as for a partner without ids). */
  const makeRequest = (app: SeededApp): LoadRequest => {
    n++;
    const body = Buffer.from(
      JSON.stringify({ n, total: n % 100, customer: { id: `c${n % 977}`, tier: 'gold' } }),
    );
    const headers = signWebhook({ config: { scheme: 'generic' }, secret: WEBHOOK_SECRET, rawBody: body });
    return { path: `/webhook/${app.key}`, headers: { ...headers, 'content-type': 'application/json' }, body };
  };
  /**
   * Requests are made before a phase starts, so the client spends its CPU on HTTP only while it
   * measures (the box has two cores for everything); past the prepared ones, they are made on the fly.
   */
  const request = (app: SeededApp, prepared = 0) => {
    const ready = Array.from({ length: prepared }, () => makeRequest(app));
    let i = 0;
    return (): LoadRequest => ready[i++] ?? makeRequest(app);
  };
  /**
   * 1 MiB webhooks: a few bodies, signed once, each request made unique by an Idempotency-Key
   * (its delivery id); the api verifies and stores every byte of each.
   */
  const bigRequest = (app: SeededApp) => {
    const bodies = Array.from({ length: 8 }, (_, k) => {
      const head = JSON.stringify({ n: k, total: 60 + k, customer: { id: `c${k}`, tier: 'gold' } });
      const body = Buffer.from(`${head.slice(0, -1)},"pad":"${'x'.repeat(BIG_BYTES - head.length - 10)}"}`);
      return {
        body,
        headers: signWebhook({ config: { scheme: 'generic' }, secret: WEBHOOK_SECRET, rawBody: body }),
      };
    });
    return (): LoadRequest => {
      n++;
      const { body, headers } = bodies[n % bodies.length]!;
      return {
        path: `/webhook/${app.key}`,
        headers: { ...headers, 'content-type': 'application/json', 'idempotency-key': `big-${n}` },
        body,
      };
    };
  };
  const rows: Row[] = [];
  const row = (section: string, metric: string, value: number | string | null, unit?: string) =>
    rows.push({ section, metric, value, ...(unit ? { unit } : {}) });
  const cpuRows = (section: string, usage: ReturnType<CpuMeter['stop']>) => {
    const busy = Object.entries(usage)
      .filter(([name]) => name !== 'wall')
      .map(([name, u]) => `${name} ${u.cores}`)
      .join(', ');
    // The metric's name is the same on every backend, so their rows line up.
    row(section, 'CPU, cores busy', `${busy} (over ${usage.wall?.seconds ?? '?'} s)`);
  };

  // Warm-up: JIT, caches, connection pools; also proves the runner is processing.
  {
    const warm = await saturate(port, 10, QUICK ? 1_000 : 3_000, request(four));
    await drain(db, warm.runIds, 120_000);
  }

  const ingest = async (section: string) => {
    const next = request(four, Math.round((DURATION_MS / 1000) * 3_000));
    cpu.start();
    const satStarted = Date.now();
    const sat = await saturate(port, CONNECTIONS, DURATION_MS, next);
    const satCpu = cpu.stop();
    if (process.env.BENCH_SLOW) {
      const slow = sat.latenciesMs
        .map(
          (ms, i) =>
            [
              new Date(satStarted + (sat.sentAtMs[i] ?? 0)).toISOString().slice(11, 23),
              Math.round(ms),
            ] as const,
        )
        .filter(([, ms]) => ms > Number(process.env.BENCH_SLOW) * 5);
      console.log(
        `${section}: very slow answers [sent at, latency ms]: ${JSON.stringify(slow.slice(0, 40))}`,
      );
    }
    const accepted = sat.byStatus[202] ?? 0;
    cpu.start();
    const runs = await drain(db, sat.runIds, 600_000);
    const drainCpu = cpu.stop();
    const first = Math.min(...runs.map((r) => r.createdAt.getTime()));
    const last = Math.max(...runs.map((r) => r.finishedAt?.getTime() ?? 0));
    const runsPerSec = runs.length / ((last - first) / 1000);
    row(section, 'webhook acks/s (saturation)', round(accepted / (sat.elapsedMs / 1000)));
    row(section, 'ack p50', round(quantile(sat.latenciesMs, 0.5), 1), 'ms');
    row(section, 'ack p99', round(quantile(sat.latenciesMs, 0.99), 1), 'ms');
    if (sat.sent !== accepted || sat.errors > 0)
      row(section, 'not 202', `${JSON.stringify(sat.byStatus)}, ${sat.errors} errors`);
    cpuRows(`${section}: while ingesting`, satCpu);
    row(section, 'runs completed/s (4 nodes, first received → last finished)', round(runsPerSec));
    const statuses = countBy(runs.map((r) => r.status));
    if (Object.keys(statuses).some((s) => s !== 'succeeded'))
      row(section, 'run statuses', JSON.stringify(statuses));
    cpuRows(`${section}: draining`, drainCpu);
    return { acksPerSec: accepted / (sat.elapsedMs / 1000), runsPerSec };
  };

  /** 100-item loops: a fixed number of webhooks, each run posting every item to the sink. */
  const forEachPhase = async () => {
    const section = `for-each, ${FOR_EACH_ITEMS} items`;
    let k = 0;
    const next = (): LoadRequest => {
      const body = forEachBody(k++);
      const headers = signWebhook({ config: { scheme: 'generic' }, secret: WEBHOOK_SECRET, rawBody: body });
      return { path: `/webhook/${loop.key}`, headers: { ...headers, 'content-type': 'application/json' }, body };
    };
    const before = lineSink.count();
    cpu.start();
    const load = await countedLoad(port, Math.min(CONNECTIONS, 10), FOREACH_RUNS, next);
    const runs = await drain(db, load.runIds, 600_000);
    const usage = cpu.stop();
    const first = Math.min(...runs.map((r) => r.startedAt?.getTime() ?? r.createdAt.getTime()));
    const last = Math.max(...runs.map((r) => r.finishedAt?.getTime() ?? 0));
    const durations = runs.map((r) => (r.finishedAt?.getTime() ?? Number.NaN) - (r.startedAt?.getTime() ?? Number.NaN));
    row(section, `items/s (${runs.length} runs, concurrency 10)`, round((runs.length * FOR_EACH_ITEMS) / ((last - first) / 1000)));
    row(section, 'run duration (start → finished) p50', round(quantile(durations, 0.5), 1), 'ms');
    row(section, 'run duration (start → finished) p99', round(quantile(durations, 0.99), 1), 'ms');
    const posted = lineSink.count() - before;
    if (posted !== runs.length * FOR_EACH_ITEMS) row(section, 'sink calls', `${posted}, expected ${runs.length * FOR_EACH_ITEMS}`);
    const statuses = countBy(runs.map((r) => r.status));
    if (Object.keys(statuses).some((s) => s !== 'succeeded')) row(section, 'run statuses', JSON.stringify(statuses));
    cpuRows(section, usage);
  };
  /**
   * The same webhooks to the 4-node scenario without and with concurrency 1 per customer, on two
   * runners: the cost of the limit, and whether it kept each customer's order.
   */
  const flowPhase = async () => {
    const section = `flow control, ${FLOW_RUNS} runs over ${FLOW_KEYS} keys, 2 runners`;
    const extra = startRunner();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const measure = async (app: SeededApp) => {
      let k = 0;
      const next = (): LoadRequest => {
        const body = flowBody(k++);
        const headers = signWebhook({ config: { scheme: 'generic' }, secret: WEBHOOK_SECRET, rawBody: body });
        return { path: `/webhook/${app.key}`, headers: { ...headers, 'content-type': 'application/json' }, body };
      };
      cpu.start();
      const load = await countedLoad(port, Math.min(CONNECTIONS, 10), FLOW_RUNS, next);
      const runs = await drain(db, load.runIds, 600_000);
      const usage = cpu.stop();
      const first = Math.min(...runs.map((r) => r.createdAt.getTime()));
      const last = Math.max(...runs.map((r) => r.finishedAt?.getTime() ?? 0));
      const statuses = countBy(runs.map((r) => r.status));
      return { runIds: load.runIds, runsPerSec: runs.length / ((last - first) / 1000), statuses, usage };
    };
    const without = await measure(free);
    const withLimit = await measure(limited);
    const violations = await orderViolations(db, withLimit.runIds);
    row(section, 'runs/s without a limit (first received → last finished)', round(without.runsPerSec));
    row(section, 'runs/s at concurrency 1 per key', round(withLimit.runsPerSec));
    row(section, 'with the limit ÷ without', round(withLimit.runsPerSec / without.runsPerSec, 2), '×');
    row(section, 'order kept per key', violations === 0 ? 'yes' : 'no');
    row(section, 'order violations', violations);
    for (const [name, result] of [['without a limit', without], ['at concurrency 1', withLimit]] as const) {
      if (Object.keys(result.statuses).some((s) => s !== 'succeeded'))
        row(section, `run statuses ${name}`, JSON.stringify(result.statuses));
      cpuRows(`${section}: ${name}`, result.usage);
    }
    samplePeaks();
    await extra.stop();
  };
  /** 1 MiB webhooks from a few clients: acks/s, MiB/s, latency, the runs' drain. */
  const bigPhase = async () => {
    const section = '1 MiB payloads';
    const next = bigRequest(big);
    cpu.start();
    const sat = await saturate(port, BIG_CONNECTIONS, BIG_DURATION_MS, next);
    const accepted = sat.byStatus[202] ?? 0;
    const runs = await drain(db, sat.runIds, 600_000);
    const usage = cpu.stop();
    const first = Math.min(...runs.map((r) => r.createdAt.getTime()));
    const last = Math.max(...runs.map((r) => r.finishedAt?.getTime() ?? 0));
    const e2e = runs.map((r) => (r.finishedAt?.getTime() ?? Number.NaN) - r.createdAt.getTime());
    row(section, `webhook acks/s (${BIG_CONNECTIONS} clients)`, round(accepted / (sat.elapsedMs / 1000)));
    row(section, 'ingest MiB/s', round((accepted * BIG_BYTES) / 2 ** 20 / (sat.elapsedMs / 1000)));
    row(section, 'ack p50', round(quantile(sat.latenciesMs, 0.5), 1), 'ms');
    row(section, 'ack p99', round(quantile(sat.latenciesMs, 0.99), 1), 'ms');
    row(section, 'runs completed/s', round(runs.length / ((last - first) / 1000)));
    row(section, 'received → finished p50', round(quantile(e2e, 0.5), 1), 'ms');
    if (sat.sent !== accepted || sat.errors > 0)
      row(section, 'not 202', `${JSON.stringify(sat.byStatus)}, ${sat.errors} errors`);
    cpuRows(section, usage);
  };
  const cleanUp = async () => {
    await Promise.all([api.stop(), ...runners.map((r) => r.stop())]);
    await lineSink.close();
    await db.connection.dropDatabase();
    await db.close();
    await embedded?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  if (ONLY_FOR_EACH) {
    await forEachPhase();
    clearInterval(peakTimer);
    await cleanUp();
    return rows;
  }
  if (ONLY_BIG) {
    await bigPhase();
    samplePeaks();
    for (const [name, peak] of peaks) row('memory', `peak RSS ${name}`, peak, 'MiB');
    clearInterval(peakTimer);
    await cleanUp();
    return rows;
  }
  if (ONLY_FLOW) {
    await flowPhase();
    clearInterval(peakTimer);
    await cleanUp();
    return rows;
  }

  // 1. Saturation with one runner, then the drain.
  const one = await ingest('ingest, 1 runner');

  // 2. A second runner joins: the ingest phase again; then it leaves.
  const second = startRunner();
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const two = await ingest('ingest, 2 runners');
  row('scale', 'runs/s, 2 runners ÷ 1 runner', round(two.runsPerSec / one.runsPerSec, 2), '×');
  samplePeaks();
  await second.stop();

  /** Webhooks at the target rate for the phase's duration: acknowledgement latency. */
  const ingestAtRate = async (section: string) => {
    const next = request(four, Math.ceil((INGEST_RATE * RATE_DURATION_MS) / 1000));
    cpu.start();
    const rate = await fixedRate(port, INGEST_RATE, RATE_DURATION_MS, next);
    const usage = cpu.stop();
    row(section, 'acks/s', round((rate.byStatus[202] ?? 0) / (rate.elapsedMs / 1000)));
    row(section, 'ack p50', round(quantile(rate.latenciesMs, 0.5), 1), 'ms');
    row(section, 'ack p99', round(quantile(rate.latenciesMs, 0.99), 1), 'ms');
    if (rate.sent !== (rate.byStatus[202] ?? 0) || rate.errors > 0)
      row(section, 'not 202', `${JSON.stringify(rate.byStatus)}, ${rate.errors} errors`);
    cpuRows(section, usage);
    return rate.runIds;
  };

  // 3. Ingest at a fixed rate: the acknowledgement latency at the target rate.
  await drain(db, await ingestAtRate(`ingest at ${INGEST_RATE}/s`), 600_000);

  // 3b. The same rate with no runner: what the ack path (api and database) does alone. In
  // production runners scale on machines of their own; here every process shares two cores.
  {
    const alive = runners.filter((r) => r.child.exitCode === null && r.child.signalCode === null);
    samplePeaks();
    await Promise.all(alive.map((r) => r.stop()));
    const runIds = await ingestAtRate(`ingest at ${INGEST_RATE}/s, no runner`);
    // A runner again for the rest; it finds the queued runs (catch-up) and drains them.
    startRunner();
    await drain(db, runIds, 600_000);
  }

  // 4. End to end at a rate the runner keeps up with: latency from receipt to finish.
  {
    const section = `end to end at ${RATE}/s`;
    const next = request(four, Math.ceil((RATE * RATE_DURATION_MS) / 1000));
    cpu.start();
    const rate = await fixedRate(port, RATE, RATE_DURATION_MS, next);
    const runs = await drain(db, rate.runIds, 120_000);
    const usage = cpu.stop();
    const e2e = runs.map((r) => (r.finishedAt?.getTime() ?? Number.NaN) - r.createdAt.getTime());
    const pickup = runs.map((r) => (r.startedAt?.getTime() ?? Number.NaN) - r.createdAt.getTime());
    row(section, 'ack p50', round(quantile(rate.latenciesMs, 0.5), 1), 'ms');
    row(section, 'ack p99', round(quantile(rate.latenciesMs, 0.99), 1), 'ms');
    row(section, 'received → finished p50', round(quantile(e2e, 0.5), 1), 'ms');
    row(section, 'received → finished p99', round(quantile(e2e, 0.99), 1), 'ms');
    row(section, 'pickup (enqueue → start) p50', round(quantile(pickup, 0.5), 1), 'ms');
    row(section, 'pickup (enqueue → start) p99', round(quantile(pickup, 0.99), 1), 'ms');
    if (rate.sent !== (rate.byStatus[202] ?? 0)) row(section, 'not 202', JSON.stringify(rate.byStatus));
    if (process.env.BENCH_SLOW) {
      const slow = rate.latenciesMs
        .map((ms, i) => [Math.round(rate.sentAtMs[i] ?? 0), Math.round(ms)] as const)
        .filter(([, ms]) => ms > Number(process.env.BENCH_SLOW));
      console.log(`${section}: slow answers [sent at ms, latency ms]: ${JSON.stringify(slow)}`);
    }
    cpuRows(section, usage);
  }

  // 5. The 50-node scenario: a fixed number of webhooks, as fast as they are accepted.
  {
    const section = '50-node scenario';
    const next = request(wide, WIDE_RUNS);
    cpu.start();
    const load = await countedLoad(port, CONNECTIONS, WIDE_RUNS, next);
    const runs = await drain(db, load.runIds, 600_000);
    const usage = cpu.stop();
    const first = Math.min(...runs.map((r) => r.createdAt.getTime()));
    const last = Math.max(...runs.map((r) => r.finishedAt?.getTime() ?? 0));
    const e2e = runs.map(
      (r) => (r.finishedAt?.getTime() ?? Number.NaN) - (r.startedAt?.getTime() ?? Number.NaN),
    );
    row(section, `runs completed/s (${runs.length} runs)`, round(runs.length / ((last - first) / 1000)));
    row(section, 'steps completed/s', round((runs.length * 50) / ((last - first) / 1000)));
    row(section, 'run duration (start → finished) p50', round(quantile(e2e, 0.5), 1), 'ms');
    const statuses = countBy(runs.map((r) => r.status));
    if (Object.keys(statuses).some((s) => s !== 'succeeded'))
      row(section, 'run statuses', JSON.stringify(statuses));
    cpuRows(section, usage);
  }

  // 5b. 100-item for-each loops.
  await forEachPhase();

  // 5c. Flow control: the cost of concurrency 1 per key, and its order.
  await flowPhase();

  // 6. 1 MiB payloads.
  await bigPhase();

  // 7. Memory.
  samplePeaks();
  clearInterval(peakTimer);
  for (const [name, peak] of peaks) row('memory', `peak RSS ${name}`, peak, 'MiB');

  await cleanUp();
  return rows;
}

interface Summary extends Row {
  /** Per backend: the median of the rounds (numbers; the first round's text otherwise) and every round's value. */
  readonly byBackend: Partial<
    Record<Backend, { median: number | string | null; rounds: (number | string | null)[] }>
  >;
}

/** One row per metric, with each backend's median and rounds. */
function summarize(rounds: ReadonlyMap<Backend, Row[][]>): Summary[] {
  const keyOf = (r: Row) => `${r.section}\0${r.metric}`;
  const order = new Map<string, Row>();
  for (const list of rounds.values())
    for (const rows of list) for (const r of rows) if (!order.has(keyOf(r))) order.set(keyOf(r), r);
  return [...order.values()].map((first) => {
    const byBackend: Summary['byBackend'] = {};
    for (const [backend, list] of rounds) {
      const values = list.map((rows) => rows.find((r) => keyOf(r) === keyOf(first))?.value ?? null);
      const numbers = values.filter((v): v is number => typeof v === 'number').sort((a, b) => a - b);
      const median =
        numbers.length > 0
          ? numbers[Math.floor((numbers.length - 1) / 2)]!
          : (values.find((v) => v !== null) ?? null);
      byBackend[backend] = { median, rounds: values };
    }
    return {
      section: first.section,
      metric: first.metric,
      value: null,
      ...(first.unit ? { unit: first.unit } : {}),
      byBackend,
    };
  });
}

async function main() {
  const suiteStarted = performance.now();
  const backends = backendsToRun();
  const rounds = new Map<Backend, Row[][]>(backends.map((backend) => [backend, []]));
  // Rounds alternate between the backends, so a slow spell of the machine hits both alike.
  for (let i = 0; i < ROUNDS; i++) {
    for (const backend of backends) {
      console.log(`round ${i + 1} of ${ROUNDS}, ${BACKEND_NAMES[backend]}…`);
      rounds.get(backend)!.push(await runRound(backend));
    }
  }
  const summary = summarize(rounds);
  const results = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: round(os.totalmem() / 2 ** 30, 1),
      node: process.version,
      database: external(backends) ? 'MONGODB_URI' : 'embedded (mongo-java-server 1.47.0)',
      backends: Object.fromEntries(backends.map((backend) => [backend, BACKEND_NAMES[backend]])),
    },
    workload: {
      quick: QUICK,
      rounds: ROUNDS,
      connections: CONNECTIONS,
      durationS: DURATION_MS / 1000,
      ingestRatePerSec: INGEST_RATE,
      fixedRatePerSec: RATE,
      fixedRateDurationS: RATE_DURATION_MS / 1000,
      wideRuns: WIDE_RUNS,
      bigDurationS: BIG_DURATION_MS / 1000,
      bigConnections: BIG_CONNECTIONS,
      forEachRuns: FOREACH_RUNS,
      flowRuns: FLOW_RUNS,
    },
    suiteSeconds: round((performance.now() - suiteStarted) / 1000),
    rows: summary,
  };
  printTable(backends, summary, results.suiteSeconds);
  const dir = path.join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const json = `${JSON.stringify(results, null, 2)}\n`;
  writeFileSync(path.join(dir, `${results.date.slice(0, 10)}.json`), json);
  writeFileSync(path.join(dir, 'latest.json'), json);
}

function external(backends: readonly Backend[]): boolean {
  return backends.includes('mongodb');
}

function countBy(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const value of values) out[value] = (out[value] ?? 0) + 1;
  return out;
}

interface RunTimes {
  _id: ObjectId;
  status: string;
  createdAt: Date;
  startedAt?: Date | null;
  finishedAt?: Date | null;
}

/** The runs with these ids, read by id (cheap on any server, whatever the collection holds). */
async function runsByIds(db: Database, ids: readonly string[]): Promise<RunTimes[]> {
  const out: RunTimes[] = [];
  for (let i = 0; i < ids.length; i += 1_000) {
    const chunk = ids.slice(i, i + 1_000).map((id) => toObjectId(id));
    out.push(
      ...(await db.models.Run.find(
        { _id: { $in: chunk } },
        { status: 1, createdAt: 1, startedAt: 1, finishedAt: 1 },
      )
        .lean<RunTimes[]>()
        .exec()),
    );
  }
  return out;
}

/**
 * Waits until every run of `ids` has finished. Runs finish roughly in order, so while the newest
 * open ones are unfinished the older ones are not asked about: polling stays cheap for the server.
 */
async function drain(db: Database, ids: readonly string[], timeoutMs: number): Promise<RunTimes[]> {
  let open = [...ids];
  const deadline = Date.now() + timeoutMs;
  const finishedOf = async (some: readonly string[]) =>
    new Set((await runsByIds(db, some)).filter((r) => r.finishedAt).map((r) => String(r._id)));
  while (open.length > 0) {
    if (Date.now() > deadline)
      throw new Error(`${open.length} of ${ids.length} runs did not finish in ${timeoutMs} ms`);
    const newest = open.slice(-50);
    const finished = await finishedOf(newest);
    if (finished.size === newest.length) {
      const all = await finishedOf(open);
      open = open.filter((id) => !all.has(id));
    }
    if (open.length > 0) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return runsByIds(db, ids);
}

/** Closed loop until `total` requests were answered. */
async function countedLoad(
  port: number,
  connections: number,
  total: number,
  next: () => LoadRequest,
): Promise<LoadResult> {
  let left = total;
  return saturate(
    port,
    connections,
    10 * 60_000,
    () => next(),
    () => --left < 0,
  );
}

/** One line per metric: each backend's median [its rounds], then the ratio of the second to the first. */
function printTable(backends: readonly Backend[], rows: readonly Summary[], seconds: number) {
  const ratioOf = backends.length === 2 ? `${backends[1]} ÷ ${backends[0]}` : null;
  console.log(`\nWeft benchmark suite, ${seconds} s; median of ${ROUNDS} round(s) per backend [each round]`);
  for (const backend of backends) console.log(`  ${backend}: ${BACKEND_NAMES[backend]}`);
  console.log('');
  const cell = (row: Summary, backend: Backend) => {
    const entry = row.byBackend[backend];
    if (!entry) return '';
    const each = ROUNDS > 1 && typeof entry.median === 'number' ? ` [${entry.rounds.join(', ')}]` : '';
    return `${String(entry.median)}${row.unit && typeof entry.median === 'number' ? ` ${row.unit}` : ''}${each}`;
  };
  const ratio = (row: Summary) => {
    if (!ratioOf) return '';
    const a = row.byBackend[backends[0]!]?.median;
    const b = row.byBackend[backends[1]!]?.median;
    return typeof a === 'number' && typeof b === 'number' && a !== 0 ? `${round(b / a, 2)}×` : '';
  };
  const sectionWidth = Math.max(...rows.map((r) => r.section.length));
  const metricWidth = Math.max(...rows.map((r) => r.metric.length));
  const widths = backends.map((backend) =>
    Math.max(backend.length, ...rows.map((r) => cell(r, backend).length)),
  );
  console.log(
    `${''.padEnd(sectionWidth)}  ${''.padEnd(metricWidth)}  ${backends.map((b, i) => b.padEnd(widths[i]!)).join('  ')}${ratioOf ? `  ${ratioOf}` : ''}`,
  );
  let last = '';
  for (const r of rows) {
    const section = r.section === last ? '' : r.section;
    last = r.section;
    const cells = backends.map((backend, i) => cell(r, backend).padEnd(widths[i]!)).join('  ');
    console.log(
      `${section.padEnd(sectionWidth)}  ${r.metric.padEnd(metricWidth)}  ${cells}  ${ratio(r)}`.trimEnd(),
    );
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
