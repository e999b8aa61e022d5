import { createHash, randomBytes } from 'node:crypto';
import {
  authorizeUrl,
  createConnectionInput,
  idInput,
  OAUTH2_CLIENT_SECRET,
  listConnectionsInput,
  type SignatureConfig,
  setConnectionSecretsInput,
  signatureSchemeInfo,
  updateConnectionInput,
} from '@weft/core';
import { signWebhook, verifyWebhook } from '@weft/core/hmac';
import { SecretDecryptionError } from '@weft/core/secrets';
import {
  type AppDoc,
  type ConnectionDoc,
  createConnection,
  findApp,
  findConnection,
  listConnections,
  readConnectionSecrets,
  recordConnectionHealth,
  setConnectionSecrets,
  startOAuth2Authorization,
  toConnectionView,
  toObjectId,
  updateConnection,
} from '@weft/db';
import { TRPCError } from '@trpc/server';
import type { ApiDeps } from '../deps.js';
import type { ObjectId } from '../ids.js';
import { OAUTH2_CALLBACK_PATH } from '../routes/oauth2-callback.js';
import { type Context, createTRPCRouter, notFound, protectedProcedure } from '../trpc.js';
import { WEBHOOK_SECRET_NAME } from '../webhook/app-lookup.js';

const STANDARD_WEBHOOKS_SECRET =
  /^(?:whsec_)?(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The metadata field naming a URL that `connections.test` checks with a GET. */
export const HEALTH_URL_FIELD = 'healthUrl';

type Scoped = Context & { workspaceId: ObjectId };

/**
 * Why `secret` cannot verify the app's webhooks, or null: a Standard Webhooks secret must be
 * `whsec_<base64>`, and for every scheme a sample body signed with it must verify with it.
 */
function webhookSecretProblem(signature: SignatureConfig, appKey: string, secret: string): string | null {
  if (signature.scheme === 'standard-webhooks' && !STANDARD_WEBHOOKS_SECRET.test(secret.trim())) {
    return `app "${appKey}" uses Standard Webhooks, whose secret looks like ${signatureSchemeInfo['standard-webhooks'].secretHint}`;
  }
  try {
    const rawBody = Buffer.from('{"id":"evt_weft_check","type":"weft.check"}');
    const now = new Date();
    const headers = signWebhook({ config: signature, secret, rawBody, now, id: 'weft-check' });
    const verdict = verifyWebhook({ config: signature, secret, headers, rawBody, now });
    return verdict.ok ? null : `it cannot verify a ${signature.scheme} signature: ${verdict.message}`;
  } catch (error) {
    return `it cannot be used with the ${signature.scheme} scheme: ${error instanceof Error ? error.message : String(error)}`;
  }
}

async function loadApp(ctx: Scoped, appId: string | ObjectId): Promise<AppDoc> {
  const id = typeof appId === 'string' ? appId : appId.toHexString();
  const app = await findApp(ctx.deps.database.models, ctx.workspaceId, id);
  if (!app) throw notFound('app', id);
  return app;
}

async function loadConnection(ctx: Scoped, id: string): Promise<ConnectionDoc> {
  const doc = await findConnection(ctx.deps.database.models, ctx.workspaceId, id);
  if (!doc) throw notFound('connection', id);
  return doc;
}

function checkWebhookSecret(app: AppDoc, secrets: Record<string, string> | undefined): void {
  const secret = secrets?.[WEBHOOK_SECRET_NAME];
  if (secret === undefined) return;
  const problem = webhookSecretProblem(app.signature, app.key, secret);
  if (problem) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: `secrets.${WEBHOOK_SECRET_NAME}: ${problem}` });
  }
}

/** The webhook route caches apps with their secret for a few seconds: a change must show at once. */
async function forgetApp(deps: ApiDeps, workspaceId: ObjectId, appId: ObjectId): Promise<void> {
  const app = await findApp(deps.database.models, workspaceId, appId.toHexString());
  if (app) deps.caches.apps.delete(app.key);
}

/** How long a person has to finish an OAuth2 authorization they started. */
const AUTHORIZATION_TTL_MS = 10 * 60_000;

export interface ConnectionCheck {
  readonly name: 'status' | 'secrets' | 'webhookSecret' | 'healthUrl' | 'oauth2';
  readonly ok: boolean;
  readonly message: string;
}

/**
 * What `connections.test` checks: the stored secrets decrypt with the configured keys; for the
 * app's default connection, `webhookSecret` exists and verifies a sample signed with the app's
 * scheme; with `metadata.healthUrl`, a GET answers 2xx/3xx (the runner's SSRF rule applies).
 */
async function runChecks(ctx: Scoped, connection: ConnectionDoc, app: AppDoc): Promise<ConnectionCheck[]> {
  const checks: ConnectionCheck[] = [];
  let secrets: Record<string, string> | null = null;
  if (connection.secrets) {
    try {
      secrets = await readConnectionSecrets(
        ctx.deps.database.models,
        ctx.deps.keyring,
        ctx.workspaceId,
        connection._id,
      );
      checks.push({
        name: 'secrets',
        ok: true,
        message: `${Object.keys(secrets ?? {}).length} secret value(s) decrypt with key "${connection.secrets.kid}"`,
      });
    } catch (error) {
      if (!(error instanceof SecretDecryptionError)) throw error;
      checks.push({
        name: 'secrets',
        ok: false,
        message: `the secrets cannot be decrypted with the configured keys (WEFT_SECRET_KEYS): ${error.code}; set them again`,
      });
    }
  }
  const isDefault = app.defaultConnectionId?.equals(connection._id) ?? false;
  if (isDefault && checks.every((check) => check.ok)) {
    const webhookSecret = secrets?.[WEBHOOK_SECRET_NAME] ?? secrets?.value;
    if (webhookSecret === undefined) {
      checks.push({
        name: 'webhookSecret',
        ok: false,
        message: `this is the default connection of app "${app.key}" but it has no secrets.${WEBHOOK_SECRET_NAME}: every webhook is refused`,
      });
    } else {
      const problem = webhookSecretProblem(app.signature, app.key, webhookSecret);
      checks.push({
        name: 'webhookSecret',
        ok: problem === null,
        message: problem ?? `verifies ${signatureSchemeInfo[app.signature.scheme].title} signatures`,
      });
    }
  }
  if (connection.oauth2) {
    const { status, config, lastError } = connection.oauth2;
    checks.push({
      name: 'oauth2',
      ok: status !== 'failing',
      message:
        status === 'failing'
          ? (lastError ?? 'the OAuth2 token cannot be renewed; reconnect the connection')
          : status === 'connected'
            ? 'holds an OAuth2 access token'
            : config.grant === 'client_credentials'
              ? 'gets its first OAuth2 token at its first use'
              : 'not connected yet: start the authorization (connect)',
    });
  }
  const healthUrl = connection.metadata?.[HEALTH_URL_FIELD];
  if (healthUrl) {
    const probe = await ctx.deps.probeHealthUrl(healthUrl, { allowList: ctx.deps.httpAllowList });
    checks.push({
      name: 'healthUrl',
      ok: probe.ok,
      message: probe.ok ? `GET answered ${probe.status} in ${probe.latencyMs} ms` : probe.error,
    });
  }
  return checks;
}

export const connectionsRouter = createTRPCRouter({
  /** The workspace's connections (of one app with `appId`), by name. Secrets: `hasSecret` and a hint only. */
  list: protectedProcedure.input(listConnectionsInput.optional()).query(async ({ ctx, input }) => {
    const appId = input?.appId ? toObjectId(input.appId, 'appId') : undefined;
    return (await listConnections(ctx.deps.database.models, ctx.workspaceId, appId)).map(toConnectionView);
  }),

  get: protectedProcedure
    .input(idInput)
    .query(async ({ ctx, input }) => toConnectionView(await loadConnection(ctx, input.id))),

  /**
   * Credentials for an app. `secrets` are write-only: stored encrypted, answered only as
   * `hasSecret` and a masked `secretHint`. `secrets.webhookSecret` verifies the app's webhooks.
   */
  create: protectedProcedure.input(createConnectionInput).mutation(async ({ ctx, input }) => {
    const { models } = ctx.deps.database;
    const app = await loadApp(ctx, input.appId);
    checkWebhookSecret(app, input.secrets);
    const doc = await createConnection(models, ctx.deps.keyring, ctx.workspaceId, input, ctx.deps.clock());
    ctx.deps.caches.apps.delete(app.key);
    return toConnectionView(doc);
  }),

  /**
   * Name, metadata (replaced whole), status, outbound rate limit, OAuth2 configuration (a new one
   * starts without tokens). Secrets change with `setSecrets`.
   */
  update: protectedProcedure.input(updateConnectionInput).mutation(async ({ ctx, input }) => {
    const { id, ...changes } = input;
    if (changes.oauth2?.grant === 'client_credentials') {
      await loadConnection(ctx, id);
      const secrets = await readConnectionSecrets(
        ctx.deps.database.models,
        ctx.deps.keyring,
        ctx.workspaceId,
        id,
      );
      if (!secrets?.[OAUTH2_CLIENT_SECRET]) {
        throw new TRPCError({
          code: 'BAD_REQUEST',
          message: `secrets.${OAUTH2_CLIENT_SECRET} is required: the client_credentials grant authenticates with the client secret; set it first`,
        });
      }
    }
    const updated = await updateConnection(
      ctx.deps.database.models,
      ctx.workspaceId,
      id,
      changes,
      ctx.deps.clock(),
    );
    if (!updated) throw notFound('connection', id);
    await forgetApp(ctx.deps, ctx.workspaceId, updated.appId);
    return toConnectionView(updated);
  }),

  /**
   * Replaces the secrets (rotation): the new values are encrypted with the current key, the old
   * ones are gone, `rotatedAt` is now. Write-only like `create`.
   */
  setSecrets: protectedProcedure.input(setConnectionSecretsInput).mutation(async ({ ctx, input }) => {
    const { models } = ctx.deps.database;
    const connection = await loadConnection(ctx, input.id);
    const app = await loadApp(ctx, connection.appId);
    checkWebhookSecret(app, input.secrets);
    const found = await setConnectionSecrets(
      models,
      ctx.deps.keyring,
      ctx.workspaceId,
      input.id,
      input.secrets,
      ctx.deps.clock(),
    );
    if (!found) throw notFound('connection', input.id);
    ctx.deps.caches.apps.delete(app.key);
    return toConnectionView(await loadConnection(ctx, input.id));
  }),

  /**
   * A health check: records `health.status` (`ok` / `failing`), `checkedAt` and `lastError`,
   * and answers each check with its outcome. See `runChecks` for what is checked.
   */
  test: protectedProcedure.input(idInput).mutation(async ({ ctx, input }) => {
    const connection = await loadConnection(ctx, input.id);
    const app = await loadApp(ctx, connection.appId);
    const checks = await runChecks(ctx, connection, app);
    if (connection.status === 'disabled') {
      checks.unshift({
        name: 'status',
        ok: false,
        message: 'the connection is disabled; enable it to use it',
      });
    }
    const failed = checks.filter((check) => !check.ok);
    const ok = failed.length === 0;
    const recorded = await recordConnectionHealth(
      ctx.deps.database.models,
      ctx.workspaceId,
      input.id,
      ok ? { ok } : { ok, error: failed.map((check) => check.message).join('; ') },
      ctx.deps.clock(),
    );
    if (!recorded) throw notFound('connection', input.id);
    return {
      ok,
      checks:
        checks.length > 0
          ? checks
          : [
              {
                name: 'status' as const,
                ok: true,
                message: 'active; nothing else to check (no secrets, no metadata.healthUrl)',
              },
            ],
      connection: toConnectionView(recorded),
    };
  }),

  /**
   * Starts the OAuth2 authorization code grant with PKCE (S256): answers the URL to send the
   * person to. The authorization server sends the browser back to `<WEFT_PUBLIC_URL>/oauth2/callback`
   * (register it as the client's redirect URI), which stores the tokens. Valid for 10 minutes;
   * starting again replaces an unfinished one.
   */
  authorize: protectedProcedure.input(idInput).mutation(async ({ ctx, input }) => {
    const connection = await loadConnection(ctx, input.id);
    if (!connection.oauth2) {
      throw new TRPCError({
        code: 'BAD_REQUEST',
        message: `connection "${connection.name}" uses no OAuth2 (oauth2 is not set)`,
      });
    }
    if (connection.oauth2.config.grant !== 'authorization_code') {
      throw new TRPCError({
        code: 'BAD_REQUEST',
        message: `connection "${connection.name}" uses the ${connection.oauth2.config.grant} grant, which needs no authorization: it gets its token at first use`,
      });
    }
    const state = randomBytes(32).toString('base64url');
    const codeVerifier = randomBytes(32).toString('base64url');
    const codeChallenge = createHash('sha256').update(codeVerifier).digest('base64url');
    const redirectUri = `${ctx.deps.publicUrl}${OAUTH2_CALLBACK_PATH}`;
    const expiresAt = new Date(ctx.deps.clock().getTime() + AUTHORIZATION_TTL_MS);
    await startOAuth2Authorization(
      ctx.deps.database.models,
      ctx.deps.keyring,
      ctx.workspaceId,
      connection._id,
      {
        state,
        codeVerifier,
        redirectUri,
        expiresAt,
      },
    );
    return {
      url: authorizeUrl(connection.oauth2.config, { state, codeChallenge, redirectUri }),
      redirectUri,
      expiresAt,
    };
  }),

  /** Stops using the connection: as the app's default it verifies no webhook (they are refused with 401). */
  disable: protectedProcedure.input(idInput).mutation(async ({ ctx, input }) => {
    const updated = await updateConnection(
      ctx.deps.database.models,
      ctx.workspaceId,
      input.id,
      { status: 'disabled' },
      ctx.deps.clock(),
    );
    if (!updated) throw notFound('connection', input.id);
    await forgetApp(ctx.deps, ctx.workspaceId, updated.appId);
    return toConnectionView(updated);
  }),

  enable: protectedProcedure.input(idInput).mutation(async ({ ctx, input }) => {
    const updated = await updateConnection(
      ctx.deps.database.models,
      ctx.workspaceId,
      input.id,
      { status: 'active' },
      ctx.deps.clock(),
    );
    if (!updated) throw notFound('connection', input.id);
    await forgetApp(ctx.deps, ctx.workspaceId, updated.appId);
    return toConnectionView(updated);
  }),
});
