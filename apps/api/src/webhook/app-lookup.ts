import { appKeySchema, type SearchKeyDefinition, type SignatureConfig } from '@weft/core';
import { type Keyring, SecretDecryptionError } from '@weft/core/secrets';
import { type Database, findAppByKey, findConnectionStatus, readConnectionSecrets } from '@weft/db';
import type { Logger } from 'pino';
import type { TtlCache } from '../cache.js';
import { HttpError } from '../errors.js';
import type { ObjectId } from '../ids.js';

/** The secret name on a connection that verifies the app's inbound webhooks. */
export const WEBHOOK_SECRET_NAME = 'webhookSecret';

/** An app as the webhook route needs it: its signature settings and its decrypted webhook secret. */
export interface ResolvedApp {
  readonly id: ObjectId;
  readonly workspaceId: ObjectId;
  readonly key: string;
  readonly signature: SignatureConfig;
  /** From the app's default connection; empty when it has none (then nothing verifies: webhook/index.ts). */
  readonly webhookSecret: string;
  /** The default connection is disabled: every webhook is refused (one signed with its secret is told why). */
  readonly connectionDisabled: boolean;
  /** Evaluated on each delivery at ingest (core/search). */
  readonly searchKeys: readonly SearchKeyDefinition[];
}

/** What the lookup needs of the api's dependencies (`ApiDeps` has it). */
export interface AppLookupDeps {
  readonly database: Database;
  readonly keyring: Keyring;
  readonly logger: Logger;
  readonly caches: { readonly apps: TtlCache<string, ResolvedApp | null> };
}

async function loadApp(deps: AppLookupDeps, key: string): Promise<ResolvedApp | null> {
  const { models } = deps.database;
  const app = await findAppByKey(models, key);
  if (!app) return null;
  let webhookSecret = '';
  let connectionDisabled = false;
  if (app.defaultConnectionId) {
    const connection = await findConnectionStatus(models, app.workspaceId, app.defaultConnectionId);
    connectionDisabled = connection?.status === 'disabled';
  }
  // Read when disabled too: a caller who signs with it is told the connection is disabled.
  if (app.defaultConnectionId) {
    try {
      const secrets = await readConnectionSecrets(
        models,
        deps.keyring,
        app.workspaceId,
        app.defaultConnectionId,
      );
      webhookSecret = secrets?.[WEBHOOK_SECRET_NAME] ?? secrets?.value ?? '';
    } catch (error) {
      if (!(error instanceof SecretDecryptionError)) throw error;
      deps.logger.error(
        { appKey: key, connectionId: app.defaultConnectionId.toHexString(), code: error.code },
        'cannot decrypt the webhook secret of the app',
      );
      throw new HttpError(
        500,
        'secret_unavailable',
        "the app's webhook secret cannot be decrypted with the configured keys (WEFT_SECRET_KEYS)",
      );
    }
  }
  return {
    id: app._id,
    workspaceId: app.workspaceId,
    key: app.key,
    signature: app.signature,
    webhookSecret,
    connectionDisabled,
    searchKeys: app.searchKeys ?? [],
  };
}

/** The app behind `/webhook/:appKey`, served from a short cache; null when no app has that key. */
export function lookupApp(deps: AppLookupDeps, key: string): Promise<ResolvedApp | null> {
  if (!appKeySchema.safeParse(key).success) return Promise.resolve(null);
  return deps.caches.apps.getOrLoad(key, () => loadApp(deps, key));
}
