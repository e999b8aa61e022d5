// `pnpm --filter @weft/bench faults`: sustained webhook load while things break, on loopback only.
//
//   - the embedded database with the H2 backend and a data file, on a fixed port, so it can be
//     stopped and started again with its data (or MONGODB_URI: then the database is not stopped);
//   - one api and two runners (the built dist/main.js), short leases and a fast sweep;
//   - a local sink that the scenario's two HTTP steps call (answering after FAULTS_STEP_MS, so runs
//     are in flight when things break); it counts requests by Idempotency-Key;
//   - FAULTS_RATE webhooks/s for FAULTS_DURATION_S, each retried by the "partner" with exponential
//     backoff until it is acknowledged (202, or 200 for a delivery seen before), as partners do;
//   - at 25 % of the time runner-1 is killed (SIGKILL) and started again 4 s later; at 55 % the
//     database is killed (SIGKILL, as a crash: nothing is flushed; FAULTS_DB_FAULT=stop stops it
//     with SIGTERM instead) for FAULTS_DB_DOWN_S seconds and started again on its data file.
//
// Afterwards, once every run has settled (or FAULTS_SETTLE_S passed): every acknowledged
// delivery is stored with exactly the run ids it was answered with, every run reached a final
// state, and no step ran twice: each HTTP step reached the sink at most as often as the step
// records attempts (a step interrupted by a crash runs again with the same Idempotency-Key, which
// the receiver dedupes), and no two runners executed a step at once. Exit code 1 if any fails.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { signWebhook } from '@weft/core/hmac';
import { createKeyring, generateSecretKey } from '@weft/core/secrets';
import { connectDatabase, createWorkspace, type Database, JOBS_COLLECTION, type RunDoc, toObjectId } from '@weft/db';
import { type EmbeddedMongo, startEmbeddedMongo, withDatabaseName } from '@weft/devdb';
import { freePort, type Service, startService, waitFor } from '@weft/devdb/services';
import { seedApp, WEBHOOK_SECRET } from './seed.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const RATE = num('FAULTS_RATE', 40);
const DURATION_MS = num('FAULTS_DURATION_S', 30) * 1000;
const DB_DOWN_MS = num('FAULTS_DB_DOWN_S', 4) * 1000;
const SETTLE_MS = num('FAULTS_SETTLE_S', 90) * 1000;
/** How long the sink takes to answer: runs are in flight when things break. */
const STEP_MS = num('FAULTS_STEP_MS', 150);
const DB_FAULT = process.env.FAULTS_DB_FAULT === 'stop' ? 'stop' : 'kill';
const FINAL = new Set(['succeeded', 'failed', 'dead', 'cancelled']);

/** FAULTS_LOG_DIR=<dir>: each service's output goes to <dir>/<name>.log. */
const logFile = (name: string) =>
  process.env.FAULTS_LOG_DIR ? { logFile: path.join(process.env.FAULTS_LOG_DIR, `${name}.log`) } : {};
const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 23)}] ${message}`);

/** The receiver of the scenario's HTTP steps: counts requests per Idempotency-Key. */
async function startSink() {
  const byKey = new Map<string, number>();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const key = String(req.headers['idempotency-key'] ?? 'none');
      byKey.set(key, (byKey.get(key) ?? 0) + 1);
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      }, STEP_MS);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    byKey,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface Delivery {
  readonly id: string;
  readonly body: Buffer;
  readonly headers: Record<string, string>;
  attempts: number;
  runIds?: string[];
  status?: number;
  /** The answer to the latest attempt (0: no answer). */
  lastStatus?: number;
}

function post(port: number, delivery: Delivery): Promise<{ status: number; runIds?: string[] }> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/webhook/faults',
        headers: { ...delivery.headers, 'content-length': String(delivery.body.length) },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          try {
            const answer = JSON.parse(Buffer.concat(chunks).toString()) as { runIds?: string[] };
            resolve({ status: res.statusCode ?? 0, ...(answer.runIds ? { runIds: answer.runIds } : {}) });
          } catch {
            resolve({ status: res.statusCode ?? 0 });
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0 }));
    req.end(delivery.body);
  });
}

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'weft-faults-'));
  const external = process.env.MONGODB_URI;
  const dbPort = external ? 0 : await freePort();
  const dataFile = path.join(dir, 'weft.mv.db');
  const startDb = () => startEmbeddedMongo({ backend: 'h2', dataFile, port: dbPort });
  let embedded: EmbeddedMongo | null = external ? null : await startDb();
  const uri = withDatabaseName(external ?? embedded!.uri, `weft_faults_${Date.now()}`);
  const key = generateSecretKey();
  const keyring = createKeyring({ current: 'faults', keys: { faults: key } });
  const db: Database = await connectDatabase(uri);
  const sink = await startSink();
  const workspace = await createWorkspace(db.models, 'faults');
  const position = { x: 0, y: 0 };
  await seedApp(db, keyring, workspace._id, 'faults', (appId) => ({
    nodes: [
      { id: 'hook', type: 'trigger.webhook', version: 1, config: { appId }, position },
      { id: 'charge', type: 'http.request', version: 2, config: { method: 'POST', url: `${sink.url}/charge` }, position },
      { id: 'ship', type: 'http.request', version: 2, config: { method: 'POST', url: `${sink.url}/ship` }, position },
      { id: 'done', type: 'logger', version: 1, config: { message: 'delivered {{ trigger.body.n }}' }, position },
    ],
    edges: [
      { id: 'e1', source: 'hook', sourceHandle: 'out', target: 'charge', targetHandle: 'in' },
      { id: 'e2', source: 'charge', sourceHandle: 'out', target: 'ship', targetHandle: 'in' },
      { id: 'e3', source: 'ship', sourceHandle: 'out', target: 'done', targetHandle: 'in' },
    ],
  }));

  const apiPort = await freePort();
  const common = {
    MONGODB_URI: uri,
    WEFT_SECRET_KEYS: `faults:${key}`,
    LOG_LEVEL: process.env.FAULTS_LOG_LEVEL ?? 'warn',
    WEFT_WEBHOOK_RATE_PER_SEC: '0',
    WEFT_HTTP_ALLOW_PRIVATE: '127.0.0.1',
  };
  const api = startService(
    'api',
    path.join(root, 'apps/api/dist/main.js'),
    { ...common, PORT: String(apiPort), HOST: '127.0.0.1' },
    logFile('api'),
  );
  const runnerEnv = (name: string) => ({
    ...common,
    WEFT_RUNNER_NAME: name,
    WEFT_RUNNER_METRICS_PORT: '0',
    WEFT_RUNNER_LEASE_MS: '3000',
    WEFT_RUNNER_SWEEP_EVERY_MS: '1000',
    WEFT_RUNNER_SWEEP_AFTER_MS: '2000',
    WEFT_RUNNER_PROCESS_EVERY_MS: '300',
  });
  const runners: Service[] = [
    startService('runner-1', path.join(root, 'apps/runner/dist/main.js'), runnerEnv('runner-1'), logFile('runner-1')),
    startService('runner-2', path.join(root, 'apps/runner/dist/main.js'), runnerEnv('runner-2'), logFile('runner-2')),
  ];
  await waitFor(async () => (await fetch(`http://127.0.0.1:${apiPort}/health`)).ok, 60_000, 'api health');
  log(`api on ${apiPort}, two runners, database ${external ? 'MONGODB_URI' : `h2 on ${dbPort}`}; ${RATE}/s for ${DURATION_MS / 1000} s`);

  // The partner: each delivery is sent, then retried with backoff until acknowledged.
  const deliveries: Delivery[] = [];
  const inFlight = new Set<Promise<void>>();
  const send = (delivery: Delivery): Promise<void> => {
    const task = (async () => {
      for (;;) {
        delivery.attempts++;
        const answer = await post(apiPort, delivery);
        delivery.lastStatus = answer.status;
        if ((answer.status === 202 || answer.status === 200) && answer.runIds) {
          delivery.status = answer.status;
          delivery.runIds = answer.runIds;
          return;
        }
        // As partners do: exponential backoff (1, 2, 4, 8 s, then every 8 s).
        await new Promise((resolve) => setTimeout(resolve, Math.min(8_000, 1_000 * 2 ** (delivery.attempts - 1))));
      }
    })();
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
    return task;
  };

  const faults = [
    {
      at: DURATION_MS * 0.25,
      run: async () => {
        log('SIGKILL runner-1');
        runners[0]!.child.kill('SIGKILL');
        await new Promise((resolve) => setTimeout(resolve, 4_000));
        runners[0] = startService(
          'runner-1',
          path.join(root, 'apps/runner/dist/main.js'),
          runnerEnv('runner-1b'),
          logFile('runner-1b'),
        );
        log('runner-1 started again (as runner-1b)');
      },
    },
    ...(embedded
      ? [
          {
            at: DURATION_MS * 0.55,
            run: async () => {
              log(`${DB_FAULT === 'kill' ? 'killing (SIGKILL)' : 'stopping'} the database for ${DB_DOWN_MS / 1000} s`);
              await (DB_FAULT === 'kill' ? embedded!.kill() : embedded!.stop());
              await new Promise((resolve) => setTimeout(resolve, DB_DOWN_MS));
              embedded = await startDb();
              log('database started again');
            },
          },
        ]
      : []),
  ];
  const started = Date.now();
  const faultTasks = faults.map((fault) => new Promise((resolve) => setTimeout(resolve, fault.at)).then(fault.run));
  const total = Math.floor((RATE * DURATION_MS) / 1000);
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / RATE;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const body = Buffer.from(JSON.stringify({ n: i, order: `o-${i}` }));
    const headers = {
      ...signWebhook({ config: { scheme: 'generic' }, secret: WEBHOOK_SECRET, rawBody: body }),
      'content-type': 'application/json',
    };
    const delivery: Delivery = { id: '', body, headers, attempts: 0 };
    deliveries.push(delivery);
    void send(delivery);
  }
  await Promise.all(faultTasks);
  log(`load done: ${deliveries.length} deliveries sent; waiting for acknowledgements`);
  await waitFor(async () => inFlight.size === 0, 120_000, 'every delivery acknowledged').catch((error: unknown) => {
    // What the partner was being answered, and what the api said last: why acknowledgements stopped.
    const open = deliveries.filter((d) => d.status === undefined);
    const answers: Record<string, number> = {};
    for (const d of open) answers[String(d.lastStatus)] = (answers[String(d.lastStatus)] ?? 0) + 1;
    log(`${open.length} deliveries unacknowledged; their latest answers by status: ${JSON.stringify(answers)}`);
    log(`api's last output:\n${api.output().slice(-3_000)}`);
    throw error;
  });
  const retried = deliveries.filter((d) => d.attempts > 1).length;
  const duplicates = deliveries.filter((d) => d.status === 200).length;
  log(`all ${deliveries.length} acknowledged (${retried} after retries, ${duplicates} answered as duplicates)`);

  const runIds = deliveries.flatMap((d) => d.runIds ?? []);
  const byId = async () => {
    const out = new Map<string, RunDoc>();
    for (let i = 0; i < runIds.length; i += 500) {
      const rows = await db.models.Run.find({ _id: { $in: runIds.slice(i, i + 500).map((id) => toObjectId(id)) } })
        .lean<RunDoc[]>()
        .exec();
      for (const row of rows) out.set(row._id.toHexString(), row);
    }
    return out;
  };
  let runs = new Map<string, RunDoc>();
  const settleStarted = Date.now();
  while (Date.now() - settleStarted < SETTLE_MS) {
    runs = await byId().catch(() => runs);
    const open = runIds.filter((id) => !FINAL.has(runs.get(id)?.status ?? ''));
    if (open.length === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  log(`settled in ${((Date.now() - settleStarted) / 1000).toFixed(1)} s`);

  const problems: string[] = [];
  // 1. Every acknowledged delivery is stored with exactly its run ids, and each run exists.
  const stored = await db.models.WebhookDelivery.find({ appId: { $exists: true } }, { runIds: 1, body: 1 }).lean().exec();
  const storedByBody = new Map(stored.map((d) => [String(d.body), d.runIds.map(String)]));
  for (const delivery of deliveries) {
    const ids = storedByBody.get(delivery.body.toString());
    if (!ids) problems.push(`delivery ${delivery.body} was acknowledged but is not stored`);
    else if (JSON.stringify(ids) !== JSON.stringify(delivery.runIds)) {
      problems.push(`delivery ${delivery.body}: answered ${delivery.runIds}, stored ${ids}`);
    }
    for (const id of delivery.runIds ?? []) if (!runs.has(id)) problems.push(`run ${id} of an acknowledged delivery is missing`);
  }
  // 2. Every run reached a final state.
  const statuses: Record<string, number> = {};
  for (const run of runs.values()) statuses[run.status] = (statuses[run.status] ?? 0) + 1;
  const unfinished = [...runs.values()].filter((run) => !FINAL.has(run.status));
  if (unfinished.length > 0) {
    problems.push(`${unfinished.length} runs did not reach a final state: ${JSON.stringify(statuses)}`);
    // What a stuck run looked like, and the queue's jobs for it: enough to tell why nothing took it.
    for (const run of unfinished.slice(0, 3)) {
      const jobs = await db.connection
        .db!.collection(JOBS_COLLECTION)
        .find({ 'data.runId': run._id.toHexString() }, { projection: { name: 1, nextRunAt: 1, lockedAt: 1, lastFinishedAt: 1, failReason: 1, disabled: 1 } })
        .toArray();
      const { _id, status, leaseOwner, leaseExpiresAt, claims, resumeAt, updatedAt } = run as RunDoc & Record<string, unknown>;
      problems.push(
        `  run ${_id}: ${JSON.stringify({ status, leaseOwner, leaseExpiresAt, claims, resumeAt, updatedAt, steps: run.steps.map((s) => `${s.nodeId}:${s.status}`) })}; jobs ${JSON.stringify(jobs)}`,
      );
    }
  }
  // 3. No step ran twice: requests per Idempotency-Key ≤ the step's attempts; succeeded steps reached the sink.
  let repeated = 0;
  for (const run of runs.values()) {
    for (const step of run.steps) {
      if (step.nodeType !== 'http.request') continue;
      const requests = sink.byKey.get(`${run._id.toHexString()}:${step.nodeId}`) ?? 0;
      if (requests > 1) repeated++;
      if (requests > Math.max(1, step.attempts)) {
        problems.push(`step ${run._id}:${step.nodeId} reached the sink ${requests} times in ${step.attempts} attempts`);
      }
      if (step.status === 'succeeded' && requests === 0) problems.push(`step ${run._id}:${step.nodeId} succeeded without a request`);
    }
    if (run.status === 'succeeded' && run.claims > 1 && run.steps.some((s) => s.status !== 'succeeded')) {
      problems.push(`run ${run._id} succeeded with unfinished steps`);
    }
  }
  const reclaimed = [...runs.values()].filter((run) => run.claims > 1).length;

  await Promise.all([api.stop(), ...runners.map((r) => r.stop())]);
  await db.connection.dropDatabase().catch(() => undefined);
  await db.close();
  await sink.close();
  await embedded?.stop();
  rmSync(dir, { recursive: true, force: true });

  console.log('\nWeft load and fault test');
  console.log(`deliveries acknowledged      ${deliveries.length} (${retried} retried by the partner, ${duplicates} answered as duplicates)`);
  console.log(`runs                         ${runs.size} ${JSON.stringify(statuses)}`);
  console.log(`runs taken over after faults ${reclaimed}`);
  console.log(`HTTP steps                   ${[...sink.byKey.values()].length} keys, ${repeated} repeated after an interruption (same Idempotency-Key)`);
  console.log(`problems                     ${problems.length}`);
  for (const problem of problems.slice(0, 20)) console.log(`  - ${problem}`);
  process.exit(problems.length === 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
