import type { Tracer } from '@opentelemetry/api';
import type { Keyring } from '@weft/core/secrets';
import { type createQueue, type Database, VersionCache } from '@weft/db';
import type { Logger } from 'pino';
import { TtlCache } from './cache.js';
import { type HealthProbe, probeHealthUrl } from './net/health-probe.js';
import { postToTokenEndpoint, type TokenEndpoint } from './net/token-endpoint.js';
import { type AllowList, EMPTY_ALLOW_LIST } from '@weft/core/net';
import { RunEvents, type RunEventsOptions } from './run-events.js';
import type { ResolvedApp } from './webhook/app-lookup.js';

/** Agenda as packages/db builds it: the api only enqueues with it, never processes. */
export type Queue = ReturnType<typeof createQueue>;

export interface ApiLimits {
  /** Largest webhook body accepted, in bytes; beyond it: 413. */
  readonly webhookBodyLimitBytes: number;
  /** Token bucket per app: tokens added per second; 0 turns the limit off. */
  readonly webhookRatePerSec: number;
  /** Token bucket per app: the most requests accepted at once after a quiet period. */
  readonly webhookBurst: number;
  /** Webhooks being stored at once by this process; beyond it: 503 (webhook/admission.ts). */
  readonly webhookMaxInFlight: number;
  /** When the oldest webhook being stored has waited this long: 503 for new ones until it is done. */
  readonly webhookShedAfterMs: number;
  /** A trigger filter's time budget; past it the webhook is refused with 503 for a retry. */
  readonly webhookFilterTimeoutMs: number;
  /** How long an app (with its decrypted webhook secret) is served from memory. */
  readonly appCacheTtlMs: number;
  /** Largest JSON body of `POST /trigger/:scenarioId` and of tRPC calls, in bytes. */
  readonly jsonBodyLimitBytes: number;
}

export const DEFAULT_LIMITS: ApiLimits = {
  webhookBodyLimitBytes: 1024 * 1024,
  webhookRatePerSec: 1_000,
  webhookBurst: 2_000,
  webhookMaxInFlight: 2_000,
  webhookShedAfterMs: 5_000,
  webhookFilterTimeoutMs: 1_000,
  appCacheTtlMs: 5_000,
  jsonBodyLimitBytes: 5 * 1024 * 1024,
};

/** Short-lived in-process caches shared by the webhook route and the tRPC mutations that invalidate them. */
export interface ApiCaches {
  /** App key → app with its webhook secret; null caches "no such app" briefly. */
  readonly apps: TtlCache<string, ResolvedApp | null>;
  /** Published scenario versions by id: immutable, so only size bounds them. */
  readonly versions: VersionCache;
}

export function createCaches(limits: Pick<ApiLimits, 'appCacheTtlMs'>, clock: () => Date): ApiCaches {
  const now = () => clock().getTime();
  return {
    apps: new TtlCache({ ttlMs: limits.appCacheTtlMs, maxEntries: 10_000, now }),
    versions: new VersionCache(),
  };
}

/** Everything the HTTP app needs from the outside world; tests pass their own. */
export interface ApiDeps {
  readonly database: Database;
  readonly queue: Queue;
  readonly keyring: Keyring;
  readonly logger: Logger;
  readonly clock: () => Date;
  readonly limits: ApiLimits;
  readonly caches: ApiCaches;
  /** When this api started (system info, uptime). */
  readonly startedAt: Date;
  /** The process's one watcher of run status changes, shared by every subscription. */
  readonly runEvents: RunEvents;
  /** Exceptions to the SSRF rule for connection health checks (`WEFT_HTTP_ALLOW_PRIVATE`, as in the runner). */
  readonly httpAllowList: AllowList;
  /** `GET <metadata.healthUrl>` of `connections.test`; tests replace it. */
  readonly probeHealthUrl: HealthProbe;
  /** The built web app to serve at `/` (`WEFT_WEB_DIST`); null serves none. */
  readonly webDist?: string | null;
  /** Where browsers reach this api (`WEFT_PUBLIC_URL`): the OAuth2 redirect URI is made from it. */
  readonly publicUrl: string;
  /** The bearer token `GET /metrics` asks for (`WEFT_METRICS_TOKEN`); null: this machine only. */
  readonly metricsToken: string | null;
  /** The OAuth2 code exchange's `POST` to a token endpoint; tests may replace it. */
  readonly tokenEndpoint: TokenEndpoint;
  /** Makes the webhook route's spans (tracing.ts); absent: tracing is off. */
  readonly tracer?: Tracer;
}

export interface ApiDepsInput
  extends Omit<
    ApiDeps,
    | 'clock'
    | 'limits'
    | 'caches'
    | 'startedAt'
    | 'runEvents'
    | 'httpAllowList'
    | 'probeHealthUrl'
    | 'publicUrl'
    | 'tokenEndpoint'
    | 'metricsToken'
  > {
  readonly clock?: () => Date;
  readonly limits?: Partial<ApiLimits>;
  readonly caches?: ApiCaches;
  readonly startedAt?: Date;
  readonly runEvents?: RunEvents;
  /** How the run watcher works when `runEvents` is not given. */
  readonly runEventsOptions?: RunEventsOptions;
  readonly httpAllowList?: AllowList;
  readonly probeHealthUrl?: HealthProbe;
  readonly publicUrl?: string;
  readonly tokenEndpoint?: TokenEndpoint;
  readonly metricsToken?: string | null;
}

/** Fills in the defaults: the real clock, the default limits, fresh caches, a run watcher. */
export function resolveDeps(input: ApiDepsInput | ApiDeps): ApiDeps {
  const { runEventsOptions, ...rest } = input as ApiDepsInput;
  const clock = input.clock ?? (() => new Date());
  const limits = { ...DEFAULT_LIMITS, ...input.limits };
  return {
    ...rest,
    clock,
    limits,
    caches: input.caches ?? createCaches(limits, clock),
    startedAt: input.startedAt ?? clock(),
    runEvents: input.runEvents ?? new RunEvents(input.database.models, input.logger, runEventsOptions),
    httpAllowList: input.httpAllowList ?? EMPTY_ALLOW_LIST,
    probeHealthUrl: input.probeHealthUrl ?? probeHealthUrl,
    publicUrl: (input.publicUrl ?? 'http://localhost:8080').replace(/\/+$/, ''),
    tokenEndpoint: input.tokenEndpoint ?? postToTokenEndpoint,
    metricsToken: input.metricsToken ?? null,
  };
}
