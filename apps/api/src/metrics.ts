import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { metricsAccess } from './metrics-access.js';

/**
 * The api's Prometheus metrics (`GET /metrics`), one registry per process. Labels stay bounded: an
 * app's id (a webhook to an unknown key counts as `(unknown)`), an outcome, a reason code; never
 * a delivery or run id.
 */
export const registry = new Registry();
registry.setDefaultLabels({ service: 'weft-api' });
// Process CPU, memory, handles, GC and event-loop lag (nodejs_eventloop_lag_*).
collectDefaultMetrics({ register: registry });

export const webhooksTotal = new Counter({
  name: 'weft_webhooks_total',
  help: 'Webhook requests by app and outcome: accepted, duplicate, bad_request (reason = the 400 code), unauthorized (reason = the 401 code; app (unknown) for a key that names no app), too_large, rate_limited, unavailable, method_not_allowed, error',
  labelNames: ['app', 'outcome', 'reason'] as const,
  registers: [registry],
});

export const webhookDedupesTotal = new Counter({
  name: 'weft_webhook_dedupes_total',
  help: 'Deliveries answered as duplicates of an earlier delivery (partner retries), by app',
  labelNames: ['app'] as const,
  registers: [registry],
});

export const webhookDuration = new Histogram({
  name: 'weft_webhook_duration_seconds',
  help: 'Time from receiving a webhook to its answer, by outcome',
  labelNames: ['outcome'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});

export const runsCreatedTotal = new Counter({
  name: 'weft_runs_created_total',
  help: 'Runs created by the api, by trigger kind',
  labelNames: ['trigger'] as const,
  registers: [registry],
});

const OUTCOMES: Readonly<Record<number, string>> = {
  200: 'duplicate',
  202: 'accepted',
  400: 'bad_request',
  401: 'unauthorized',
  405: 'method_not_allowed',
  413: 'too_large',
  429: 'rate_limited',
  503: 'unavailable',
};

interface ObservedLocals {
  app?: { id: { toHexString(): string } };
  /** The error code of the JSON answer, when there is one. */
  webhookErrorCode?: string;
  /** How many runs the webhook created. */
  webhookRunCount?: number;
  /** Set when the status code alone does not say it: `replied` (a run's reply), `handshake`, `duplicate`. */
  webhookOutcome?: string;
}

/** First in the webhook route: counts every answer by app and outcome once it is sent. */
export function observeWebhook(_req: Request, res: Response, next: NextFunction): void {
  const started = process.hrtime.bigint();
  const locals = res.locals as ObservedLocals;
  const json = res.json.bind(res);
  res.json = (body: unknown) => {
    const code = (body as { error?: unknown } | null)?.error;
    if (typeof code === 'string') locals.webhookErrorCode = code;
    return json(body);
  };
  res.once('finish', () => {
    const outcome =
      locals.webhookOutcome ??
      OUTCOMES[res.statusCode] ??
      (res.statusCode >= 500 ? 'error' : `status_${res.statusCode}`);
    // The app's id, not its key: the key is what a webhook URL carries, and /metrics is read by
    // whoever can reach it.
    const app = locals.app?.id.toHexString() ?? '(unknown)';
    const reason =
      outcome === 'unauthorized' || outcome === 'bad_request' ? (locals.webhookErrorCode ?? 'unknown') : '';
    webhooksTotal.inc({ app, outcome, reason });
    if (outcome === 'duplicate') webhookDedupesTotal.inc({ app });
    if ((outcome === 'accepted' || outcome === 'replied') && locals.webhookRunCount) {
      runsCreatedTotal.inc({ trigger: 'webhook' }, locals.webhookRunCount);
    }
    webhookDuration.observe({ outcome }, Number(process.hrtime.bigint() - started) / 1e9);
  });
  next();
}

/** `GET /metrics` in Prometheus' text format. */
export function metricsRouter(token: string | null): Router {
  const router = express.Router();
  router.get('/metrics', metricsAccess(token), async (_req, res) => {
    res.set('Content-Type', registry.contentType);
    res.send(await registry.metrics());
  });
  return router;
}
