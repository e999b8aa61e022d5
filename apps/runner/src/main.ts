import { useExpressionWorkers } from '@weft/core/expression-workers';
import { limitHeapGrowth } from '@weft/core/heap-growth';
import { connectDatabase } from '@weft/db';
import pino from 'pino';
import { ConfigError, loadConfig, type RunnerConfig } from './config.js';
import { createHttpClient } from './execution/http-client.js';
import { startMetricsServer } from './observability/metrics.js';
import { tracedHttpClient } from './observability/spans.js';
import { startTracing } from './observability/tracing.js';
import { startWorker } from './worker.js';

/** Starts a runner: config, database, Agenda worker with the sweeper; stops gracefully on SIGTERM/SIGINT. */
async function main(config: RunnerConfig): Promise<void> {
  limitHeapGrowth();
  const logger = pino({
    level: config.logLevel,
    base: { service: 'weft-runner', runner: config.runnerName },
  });
  const tracing = startTracing(config.tracing);
  // Started here with this configuration; processRun then finds it (and starts none).
  useExpressionWorkers(config.expressionWorkers);
  const db = await connectDatabase(config.mongodbUri, { maxPoolSize: config.concurrency + 10 });
  const http = createHttpClient({
    allowList: config.httpAllowList,
    maxTimeoutMs: config.httpTimeoutMs,
    maxResponseBytes: config.httpMaxResponseBytes,
  });
  const worker = await startWorker(
    {
      db,
      keyring: config.keyring,
      http: tracing.tracer ? tracedHttpClient(http, tracing.tracer) : http,
      ...(tracing.tracer ? { tracer: tracing.tracer } : {}),
      logger,
      owner: config.runnerName,
      engine: { maxInlineWaitMs: config.maxInlineWaitMs },
      maxCallDepth: config.maxCallDepth,
      maxClaims: config.maxClaims,
    },
    {
      concurrency: config.concurrency,
      processEveryMs: config.processEveryMs,
      leaseMs: config.leaseMs,
      shutdownGraceMs: config.shutdownGraceMs,
      sweep: { everyMs: config.sweepEveryMs, afterMs: config.sweepAfterMs },
      schedules: config.scheduler,
      retention: config.retention,
    },
  );
  const metrics =
    config.metricsPort > 0 ? await startMetricsServer(config.metricsPort, config.metricsHost, logger) : undefined;
  logger.info(
    {
      concurrency: config.concurrency,
      processEveryMs: config.processEveryMs,
      leaseMs: config.leaseMs,
      httpAllowPrivate: config.httpAllowList.entries,
      tracesTo: config.tracing?.endpoint ?? null,
    },
    'runner ready',
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, running: worker.inFlight() }, 'stopping');
    void (async () => {
      await worker.stop();
      await metrics?.close();
      await db.close();
      await tracing
        .shutdown()
        .catch((error: unknown) => logger.warn({ err: error }, 'trace export at shutdown failed'));
      logger.info('runner stopped');
      logger.flush();
      process.exit(0);
    })().catch((error: unknown) => {
      logger.fatal({ err: error }, 'shutdown failed');
      logger.flush();
      process.exit(1);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

let config: RunnerConfig;
try {
  config = loadConfig();
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
main(config).catch((error: unknown) => {
  console.error(`weft-runner: could not start: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
});
