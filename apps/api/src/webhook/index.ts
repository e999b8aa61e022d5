import { MAX_BODY_DEPTH, nestsDeeperThan, parseStoredBody } from '@weft/core';
import { verifyWebhook } from '@weft/core/hmac';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { ApiDeps } from '../deps.js';
import { sendError } from '../errors.js';
import { observeWebhook } from '../metrics.js';
import { WebhookAdmission } from './admission.js';
import { answerWebhook } from './answer.js';
import { lookupApp, type ResolvedApp } from './app-lookup.js';
import { identifyDelivery } from './delivery-id.js';
import { answerGetChallenge, answerProbe, answerSlackVerification } from './handshake.js';
import { ingestDelivery } from './ingest.js';
import { storeBody } from './payload.js';
import { TokenBuckets } from './rate-limit.js';
import { redactHeaders } from './redact-headers.js';
import { traceWebhook, webhookSpanOf } from './tracing.js';
import { DECOY_SECRET, decoyApp } from './unknown-app.js';

/** The answer to a request without the signature headers of the app's scheme, the same for every app. */
const UNSIGNED_MESSAGE =
  "the request is not signed: it lacks the signature header(s) of this endpoint's scheme";

interface WebhookLocals {
  /** The app the key names; unset for a key that names none (metrics count it as `(unknown)`). */
  app?: ResolvedApp;
  /** For a key that names no app: what it is handled as (unknown-app.ts). */
  decoy?: ResolvedApp;
}

function appOf(res: Response): ResolvedApp {
  const locals = res.locals as WebhookLocals;
  return (locals.app ?? locals.decoy)!;
}

function isDecoy(res: Response): boolean {
  return (res.locals as WebhookLocals).decoy !== undefined;
}

/**
 * `POST /webhook/:appKey`, a webhook's way (ARCHITECTURE.md): load shedding (503, admission.ts), app lookup
 * (a key that names no app goes on as a decoy that fails verification: unknown-app.ts), per-app rate limit
 * (429), raw body with a size limit (413), signature check (401, nothing stored), a body nested
 * more than MAX_BODY_DEPTH levels (400 body_too_deep, nothing stored), then the
 * delivery is stored once and its runs created and enqueued (202, or 200 for a duplicate; with
 * respond: "node", the run's reply). Slack's url_verification, a GET challenge, HEAD and OPTIONS
 * are answered without storing anything (handshake.ts).
 */
export function webhookRouter(deps: ApiDeps): Router {
  const router = express.Router();
  const bucketOptions = {
    ratePerSec: deps.limits.webhookRatePerSec,
    burst: deps.limits.webhookBurst,
    now: () => deps.clock().getTime(),
  };
  // Verified webhooks and failed signatures count apart: unsigned junk sent to an app's URL spends
  // its own bucket, never the genuine partner's.
  const buckets = new TokenBuckets(bucketOptions);
  const failedBuckets = new TokenBuckets(bucketOptions);
  const admission = new WebhookAdmission({
    maxInFlight: deps.limits.webhookMaxInFlight,
    shedAfterMs: deps.limits.webhookShedAfterMs,
    now: () => Date.now(),
  });

  const resolveApp = async (req: Request<{ appKey: string }>, res: Response, next: NextFunction) => {
    const app = await lookupApp(deps, req.params.appKey);
    // A key in use answers strangers as one that is not: no 404 to enumerate keys with.
    if (app) (res.locals as WebhookLocals).app = app;
    else (res.locals as WebhookLocals).decoy = decoyApp(req.params.appKey);
    next();
  };

  const refuseRate = (res: Response, app: ResolvedApp, retryAfterSec: number) => {
    res.set('Retry-After', String(retryAfterSec));
    sendError(
      res,
      429,
      'rate_limited',
      `app "${app.key}" receives more than ${deps.limits.webhookRatePerSec} webhooks per second; retry after ${retryAfterSec} s`,
    );
  };

  /**
   * Before the body is read: refused only when both buckets are empty. Whether a webhook is
   * genuine is known once its signature is checked (`handle` takes the token of its bucket then).
   */
  const rateLimitBeforeBody = (_req: Request, res: Response, next: NextFunction) => {
    // A decoy has no genuine traffic: its genuine bucket would always be full.
    if (isDecoy(res)) {
      next();
      return;
    }
    const app = appOf(res);
    const genuine = buckets.peek(app.id.toHexString());
    if (genuine.ok || failedBuckets.peek(app.id.toHexString()).ok) {
      next();
      return;
    }
    refuseRate(res, app, genuine.retryAfterSec);
  };

  /** Requests without a signature (the GET challenge) take a token at once. */
  const rateLimit = (_req: Request, res: Response, next: NextFunction) => {
    if (isDecoy(res)) {
      next();
      return;
    }
    const app = appOf(res);
    const taken = buckets.take(app.id.toHexString());
    if (!taken.ok) {
      refuseRate(res, app, taken.retryAfterSec);
      return;
    }
    next();
  };

  // Any content type, kept as bytes: the signature is over exactly what was sent.
  const rawBody = express.raw({ type: () => true, limit: deps.limits.webhookBodyLimitBytes });

  const handle = async (req: Request<{ appKey: string }>, res: Response) => {
    const app = appOf(res);
    const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const receivedAt = deps.clock();
    const log = deps.logger.child({ appKey: app.key });
    // An app without a secret is checked against one nobody has, like a key that names no app: a
    // caller learns nothing about the app's state from the answer; the log says why.
    const verdict = verifyWebhook({
      config: app.signature,
      secret: app.webhookSecret === '' ? DECOY_SECRET : app.webhookSecret,
      headers: req.headers,
      rawBody: body,
      now: receivedAt,
    });
    if (!verdict.ok || isDecoy(res)) {
      const reason = verdict.ok ? 'signature_mismatch' : verdict.reason;
      if (isDecoy(res)) log.info({ reason, unknownApp: true }, 'webhook rejected: no app has this key');
      else {
        failedBuckets.take(app.id.toHexString());
        log.info(
          { reason },
          app.webhookSecret === ''
            ? 'webhook rejected: the app has no default connection with a webhook secret'
            : 'webhook rejected',
        );
      }
      // Unsigned, every app answers alike whatever its scheme (the scheme's header would tell a
      // stranger that the key is in use); a caller who signed already knows the scheme.
      const message =
        reason === 'missing_signature'
          ? UNSIGNED_MESSAGE
          : verdict.ok
            ? 'the signature does not match'
            : verdict.message;
      sendError(res, 401, reason, message);
      return;
    }
    if (app.connectionDisabled) {
      // Signed with the connection's secret: the caller may know why it is refused.
      failedBuckets.take(app.id.toHexString());
      log.info({ reason: 'invalid_secret' }, 'webhook rejected: the default connection is disabled');
      sendError(
        res,
        401,
        'invalid_secret',
        `the default connection of app "${app.key}" is disabled; enable it or choose another default connection`,
      );
      return;
    }
    const taken = buckets.take(app.id.toHexString());
    if (!taken.ok) {
      refuseRate(res, app, taken.retryAfterSec);
      return;
    }
    const contentType = req.get('content-type') ?? null;
    const stored = storeBody(body);
    const parsed = parseStoredBody(stored, contentType);
    // Refused before anything is stored: its runs could never be written (see MAX_BODY_DEPTH).
    if (nestsDeeperThan(parsed, MAX_BODY_DEPTH)) {
      log.info({ reason: 'body_too_deep' }, 'webhook rejected');
      sendError(
        res,
        400,
        'body_too_deep',
        `the body nests objects and arrays more than ${MAX_BODY_DEPTH} levels deep; Weft accepts at most ${MAX_BODY_DEPTH}`,
      );
      return;
    }
    if (answerSlackVerification(app, parsed, res)) {
      log.info('slack url_verification answered');
      return;
    }
    const identity = identifyDelivery(app.signature, req.headers, body);
    // Every line about this delivery names it; its runs carry the same correlation id.
    const deliveryLog = log.child({ deliveryId: identity.deliveryId, correlationId: identity.deliveryId });
    // The partner gave up (and will retry): storing now would only be work nobody waits for.
    if (req.socket.destroyed) {
      deliveryLog.info('webhook dropped: the caller disconnected before it was stored');
      return;
    }
    const result = await admission.whileStoring(() =>
      ingestDelivery(
        deps,
        {
          app,
          identity,
          headers: redactHeaders(req.headers, app.signature),
          contentType,
          stored,
          body: parsed,
          sizeBytes: body.byteLength,
          receivedAt,
        },
        deliveryLog,
        webhookSpanOf(res),
      ),
    );
    await answerWebhook(deps, app.workspaceId, result, res, deliveryLog.child({ source: identity.source }));
  };

  router.post(
    '/webhook/:appKey',
    observeWebhook,
    traceWebhook(deps.tracer),
    admission.admit,
    resolveApp,
    rateLimitBeforeBody,
    rawBody,
    handle,
  );
  // Handshakes: nothing is stored, no run starts (handshake.ts).
  router.head('/webhook/:appKey', observeWebhook, resolveApp, (req, res) =>
    answerProbe(appOf(res), req, res),
  );
  router.options('/webhook/:appKey', observeWebhook, resolveApp, (req, res) =>
    answerProbe(appOf(res), req, res),
  );
  router.get('/webhook/:appKey', observeWebhook, resolveApp, rateLimit, (req, res) =>
    answerGetChallenge(appOf(res), req, res),
  );
  router.all('/webhook/:appKey', (_req, res) => {
    res.set('Allow', 'POST');
    sendError(res, 405, 'method_not_allowed', 'webhooks are delivered with POST');
  });
  return router;
}
