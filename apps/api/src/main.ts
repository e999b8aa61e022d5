/**
 * Starts the api: reads the configuration, connects to MongoDB, makes sure a bootstrap token
 * exists (printed once), listens, and shuts down gracefully on SIGTERM/SIGINT.
 */
import type { Server } from 'node:http';
import { useExpressionWorkers } from '@weft/core/expression-workers';
import { limitHeapGrowth } from '@weft/core/heap-growth';
import { hostname } from 'node:os';
import { connectDatabase, createQueue } from '@weft/db';
import { pino } from 'pino';
import { createApp } from './app.js';
import { BulkWorker, DEFAULT_BULK_WORKER_OPTIONS } from './bulk/worker.js';
import { ensureBootstrapToken } from './bootstrap.js';
import { ConfigError, loadConfig } from './config.js';
import { resolveDeps } from './deps.js';
import { startTracing } from './tracing.js';

const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  limitHeapGrowth();
  const config = loadConfig();
  const logger = pino({ level: config.logLevel, base: { service: 'weft-api' } });
  const tracing = startTracing(config.tracing);
  // Fail fast while the database is down: a webhook gets its 503 in seconds, not after a queue.
  const database = await connectDatabase(config.mongodbUri, {
    serverSelectionTimeoutMS: 3_000,
    bufferCommands: false,
    // A webhook never waits long on one stuck request: it fails, the partner retries.
    socketTimeoutMS: 20_000,
    waitQueueTimeoutMS: 10_000,
  });
  database.connection.on('error', (error: unknown) =>
    logger.error({ err: error }, 'database connection error'),
  );
  const queue = createQueue(database, { name: `api-${process.pid}` });
  queue.on('error', (error) => logger.error({ err: error }, 'queue error'));

  const bootstrap = await ensureBootstrapToken(database.models, config.bootstrapToken);
  if (bootstrap.kind === 'created') {
    // Shown once, on purpose outside the JSON log: it is not stored anywhere in clear.
    process.stdout.write(
      `\n  Weft bootstrap API token (shown once, keep it safe):\n\n    ${bootstrap.token}\n\n` +
        `  Use it as "Authorization: Bearer <token>" for /trpc and /trigger.\n\n`,
    );
  } else if (bootstrap.kind === 'registered') {
    logger.info(
      { workspaceId: bootstrap.workspaceId },
      'bootstrap token from WEFT_BOOTSTRAP_TOKEN registered',
    );
  }

  const deps = resolveDeps({
    database,
    queue,
    keyring: config.keyring,
    logger,
    limits: config.limits,
    httpAllowList: config.httpAllowList,
    webDist: config.webDist,
    publicUrl: config.publicUrl,
    metricsToken: config.metricsToken,
    ...(tracing.tracer ? { tracer: tracing.tracer } : {}),
  });
  // Before createApp, so the pool is started with this configuration.
  useExpressionWorkers(config.expressionWorkers);
  const app = createApp(deps);
  // Bulk replays and redeliveries run in the api, which has their code paths; a lease per job keeps each on one process.
  const bulkWorker = new BulkWorker(deps, { ...DEFAULT_BULK_WORKER_OPTIONS, owner: `api-${hostname()}-${process.pid}` });
  if (config.bulkWorker) bulkWorker.start();
  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(config.port, config.host, (error?: Error) =>
      error ? reject(error) : resolve(listening),
    );
  });
  const address = server.address();
  logger.info(
    {
      port: typeof address === 'object' && address ? address.port : config.port,
      host: config.host,
      tracesTo: config.tracing?.endpoint ?? null,
    },
    'weft api listening',
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new requests, finishing the current ones');
    const force = setTimeout(() => {
      logger.warn('requests still open after the grace period; closing them');
      server.closeAllConnections();
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    server.closeIdleConnections();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Live subscriptions (SSE) end now; their clients reconnect to another api process.
    await deps.runEvents.close();
    await closed;
    clearTimeout(force);
    await bulkWorker.stop().catch((error: unknown) => logger.warn({ err: error }, 'bulk worker stop failed'));
    await queue.stop(false).catch((error: unknown) => logger.warn({ err: error }, 'queue stop failed'));
    await database.close();
    await tracing
      .shutdown()
      .catch((error: unknown) => logger.warn({ err: error }, 'trace export at shutdown failed'));
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`weft api: ${error.message}\n`);
  } else {
    process.stderr.write(
      `weft api: could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
  process.exit(1);
});
