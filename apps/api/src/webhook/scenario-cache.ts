import { findWebhookScenarios } from '@weft/db';
import { TtlCache } from '../cache.js';
import type { ApiCaches, ApiDeps } from '../deps.js';
import type { ObjectId } from '../ids.js';

export type WebhookScenarios = Awaited<ReturnType<typeof findWebhookScenarios>>;

/**
 * The enabled, published webhook scenarios of an app, cached per process like the app itself
 * (`appCacheTtlMs`, 5 s by default): a webhook then costs no scenario query. Every tRPC mutation of
 * scenarios or apps in this process forgets the whole cache (`forgetWebhookScenarios`, wired in
 * trpc.ts), so a publish, disable or archive is seen by the next webhook here at once and by
 * other api processes within the TTL.
 */
const caches = new WeakMap<ApiCaches, TtlCache<string, WebhookScenarios>>();

function cacheOf(deps: Pick<ApiDeps, 'caches' | 'limits' | 'clock'>): TtlCache<string, WebhookScenarios> {
  let cache = caches.get(deps.caches);
  if (!cache) {
    cache = new TtlCache({
      ttlMs: deps.limits.appCacheTtlMs,
      maxEntries: 10_000,
      now: () => deps.clock().getTime(),
    });
    caches.set(deps.caches, cache);
  }
  return cache;
}

export function webhookScenariosOf(
  deps: ApiDeps,
  app: { readonly id: ObjectId; readonly workspaceId: ObjectId },
): Promise<WebhookScenarios> {
  const key = `${app.workspaceId.toHexString()}:${app.id.toHexString()}`;
  return cacheOf(deps).getOrLoad(key, () =>
    findWebhookScenarios(deps.database.models, app.workspaceId, app.id),
  );
}

export function forgetWebhookScenarios(deps: Pick<ApiDeps, 'caches'>): void {
  caches.get(deps.caches)?.clear();
}
