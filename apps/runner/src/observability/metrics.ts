import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FLOW_STAGES, type Step } from '@weft/core';
import {
  countDueJobsByName,
  countRunsWaitingFor,
  countRunsWithStatus,
  type Database,
  oldestQueuedRunAt,
} from '@weft/db';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The runner's Prometheus metrics, one registry per process, served by `startMetricsServer` on
 * `WEFT_RUNNER_METRICS_PORT`. Labels stay bounded: a run status, a node type, a job name; never a
 * run id.
 */
export const registry = new Registry();
registry.setDefaultLabels({ service: 'weft-runner' });
// Process CPU, memory, handles, GC and event-loop lag (nodejs_eventloop_lag_*).
collectDefaultMetrics({ register: registry });

export const runsTotal = new Counter({
  name: 'weft_runs_total',
  help: 'Runs this runner took up, by how it left them: succeeded, failed, dead, cancelled (final), waiting, released, lease_lost, not_claimed, error',
  labelNames: ['status'] as const,
  registers: [registry],
});

export const stepDuration = new Histogram({
  name: 'weft_step_duration_seconds',
  help: 'Duration of step attempts, by node type and outcome: succeeded, failed, handled (failed, taken by its error path), retry (failed, tried again later)',
  labelNames: ['node_type', 'status'] as const,
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

export const stepRetriesTotal = new Counter({
  name: 'weft_step_retries_total',
  help: 'Step attempts after the first (retries), by node type',
  labelNames: ['node_type'] as const,
  registers: [registry],
});

export const failureHandlersTotal = new Counter({
  name: 'weft_failure_handlers_total',
  help: 'Failure handler runs of failed runs, by result: created, not_started (the handler scenario cannot run; the run says why)',
  labelNames: ['result'] as const,
  registers: [registry],
});

export const flowAdmittedTotal = new Counter({
  name: 'weft_flow_admitted_total',
  help: 'Runs this runner let out of a flow control stage (debounce, throttle, concurrency)',
  labelNames: ['stage'] as const,
  registers: [registry],
});

export const oauth2TokenRequestsTotal = new Counter({
  name: 'weft_oauth2_token_requests_total',
  help: 'Requests to OAuth2 token endpoints, by grant (client_credentials, refresh_token) and outcome: issued, refused (the connection must be reconnected), failed (unreachable, 5xx, no token)',
  labelNames: ['grant', 'outcome'] as const,
  registers: [registry],
});

export const pickupLag = new Histogram({
  name: 'weft_run_pickup_seconds',
  help: 'New runs: time from creation (enqueue) to the claim that starts them',
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers: [registry],
});

interface WorkerSource {
  readonly db: Database;
  readonly inFlight: () => number;
  readonly feedBacklog: () => number;
}
let worker: WorkerSource | undefined;

new Gauge({
  name: 'weft_runs_in_flight',
  help: 'Runs this runner executes now',
  registers: [registry],
  collect() {
    this.set(worker?.inFlight() ?? 0);
  },
});

new Gauge({
  name: 'weft_run_feed_backlog',
  help: 'New runs this runner has heard of and not seen claimed yet (its view of the queue of new runs)',
  registers: [registry],
  collect() {
    this.set(worker?.feedBacklog() ?? 0);
  },
});

new Gauge({
  name: 'weft_queue_due_jobs',
  help: 'Agenda jobs due now and not locked (resumes, released runs, sweeps …), by job name; read at scrape time',
  labelNames: ['name'] as const,
  registers: [registry],
  async collect() {
    const db = worker?.db;
    if (!db?.connection.db) return;
    const rows = await countDueJobsByName(db, new Date()).catch(() => []);
    this.reset();
    for (const row of rows) this.set({ name: row._id }, row.n);
  },
});

new Gauge({
  name: 'weft_runs_pending',
  help: 'Runs not settled yet, by status (queued: the queue of new and handed-back runs, waiting: retries and delays, running); read at scrape time',
  labelNames: ['status'] as const,
  registers: [registry],
  async collect() {
    const models = worker?.db.models;
    if (!models) return;
    for (const status of ['queued', 'waiting', 'running'] as const) {
      const n = await countRunsWithStatus(models, status).catch(() => undefined);
      if (n !== undefined) this.set({ status }, n);
    }
  },
});

new Gauge({
  name: 'weft_runs_waiting_for',
  help: 'Queued runs that may not start yet, by the flow control stage they wait in; read at scrape time',
  labelNames: ['stage'] as const,
  registers: [registry],
  async collect() {
    const models = worker?.db.models;
    if (!models) return;
    for (const stage of FLOW_STAGES) {
      const n = await countRunsWaitingFor(models, stage).catch(() => undefined);
      if (n !== undefined) this.set({ stage }, n);
    }
  },
});

new Gauge({
  name: 'weft_queue_oldest_queued_seconds',
  help: 'Age of the oldest queued run (0 when none): pickup lag as it builds up; read at scrape time',
  registers: [registry],
  async collect() {
    const models = worker?.db.models;
    if (!models) return;
    const oldest = await oldestQueuedRunAt(models).catch(() => undefined);
    if (oldest === undefined) return;
    this.set(oldest ? Math.max(0, Date.now() - oldest.getTime()) / 1000 : 0);
  },
});

/** Records what `processRun` did with a run (its result's `status`). */
export function recordRunResult(result: { readonly status: string }): void {
  runsTotal.inc({ status: result.status });
}

/** Records a step as it is saved: its duration once settled, a retry when a later attempt starts. */
export function recordStep(step: Step): void {
  if ((step.status === 'succeeded' || step.status === 'failed') && step.durationMs !== null) {
    const status = step.handled === true ? 'handled' : step.status;
    stepDuration.observe({ node_type: step.nodeType, status }, step.durationMs / 1000);
  } else if (step.status === 'waiting' && step.error && step.durationMs !== null) {
    stepDuration.observe({ node_type: step.nodeType, status: 'retry' }, step.durationMs / 1000);
  } else if (step.status === 'running' && step.attempts > 1) {
    stepRetriesTotal.inc({ node_type: step.nodeType });
  }
}

/** Records a new run's wait between creation and its first claim. */
export function recordPickup(run: { createdAt?: Date; startedAt?: Date | null; claims?: number }): void {
  if (run.claims !== 1 || !run.createdAt || !run.startedAt) return;
  pickupLag.observe(Math.max(0, run.startedAt.getTime() - run.createdAt.getTime()) / 1000);
}

/** Gauges read when scraped: runs in flight, the feed's backlog, Agenda's due jobs (one count query). */
export function observeWorker(source: WorkerSource): void {
  worker = source;
}

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * `GET /metrics` (and `GET /health`, answering 200 while the process runs) on `port` (0: any free
 * port). A port that is taken is logged and leaves the runner without metrics rather than down.
 */
export async function startMetricsServer(
  port: number,
  host: string,
  logger: Logger,
): Promise<MetricsServer | undefined> {
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      registry
        .metrics()
        .then((text) => {
          res.writeHead(200, { 'Content-Type': registry.contentType });
          res.end(text);
        })
        .catch((error: unknown) => {
          logger.warn({ err: error }, 'metrics could not be collected');
          res.writeHead(500).end();
        });
      return;
    }
    if (req.method === 'GET' && req.url === '/health') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    res.writeHead(404).end();
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
  } catch (error) {
    logger.error({ err: error, port }, 'the metrics listener could not start; this runner serves no metrics');
    return undefined;
  }
  const address = server.address() as AddressInfo;
  logger.info({ port: address.port, host }, 'metrics on /metrics');
  return {
    port: address.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
