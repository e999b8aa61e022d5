import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GraphInput, SignatureScheme } from '@weft/core';
import { signWebhook } from '@weft/core/hmac';
import { createKeyring, generateSecretKey, type Keyring } from '@weft/core/secrets';
import {
  connectDatabase,
  createApp,
  createConnection,
  createScenario,
  type Database,
  publishScenario,
  type RunDoc,
  saveDraft,
  setScenarioEnabled,
  toObjectId,
} from '@weft/db';
import { freePort, type Service, startService, waitFor } from '@weft/devdb/services';
import { testDatabase } from '@weft/devdb/test-db';
import type { Types } from 'mongoose';
import { expect } from 'vitest';

/**
 * What every end-to-end file sets up: a database of its own, the secret key the api and runners
 * share, the built api and runners as processes, signed webhooks over HTTP and runs polled until
 * they are final. Each file seeds its own scenarios between `openStack` and `stack.start`, because
 * the api gives its bootstrap token to the workspace it finds first.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FINAL = ['succeeded', 'failed', 'dead', 'cancelled'];
/** A liveness bound, generous for a loaded 2-core machine; not a speed claim. */
const RUN_TIMEOUT_MS = 60_000;

export interface StartOptions {
  /** WEFT_BOOTSTRAP_TOKEN: the token the file calls the api with. */
  readonly token: string;
  /** The runner processes to start, by WEFT_RUNNER_NAME (none for a file that starts them later). */
  readonly runners: readonly string[];
  /** More environment for the api (e.g. a body limit). */
  readonly apiEnv?: Readonly<Record<string, string>>;
  /** More environment for every runner, those started later included. */
  readonly runnerEnv?: Readonly<Record<string, string>>;
}

export interface Stack {
  readonly db: Database;
  readonly keyring: Keyring;
  /** Where the api listens once `start` returned. */
  readonly apiUrl: string;
  /** Starts the api and the runners and waits for the api's health. */
  start(options: StartOptions): Promise<void>;
  /** Starts one more runner process; runners may come and go while the api runs. */
  startRunner(name: string): Service;
  /** Kills a runner with SIGKILL, as a crash would, and waits for it to be gone. */
  killRunner(name: string): Promise<void>;
  /** Stops every process and drops the database. */
  stop(): Promise<void>;
}

/** A database of its own and a fresh secret key; nothing runs until `start`. */
export async function openStack(label: string): Promise<Stack> {
  const target = testDatabase(label);
  const key = generateSecretKey();
  const keyring = createKeyring({ current: 'e2e', keys: { e2e: key } });
  const db = await connectDatabase(target.uri);
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  const env = { MONGODB_URI: target.uri, WEFT_SECRET_KEYS: `e2e:${key}`, LOG_LEVEL: 'warn' };
  let api: Service | undefined;
  let runnerEnv: Readonly<Record<string, string>> = {};
  const runners = new Map<string, Service>();

  const startRunner = (name: string): Service => {
    const runner = startService(name, path.join(root, 'apps/runner/dist/main.js'), {
      ...env,
      ...runnerEnv,
      WEFT_RUNNER_NAME: name,
      // Off: several runners (and other files' runners on the machine) would share its port.
      WEFT_RUNNER_METRICS_PORT: '0',
      WEFT_HTTP_ALLOW_PRIVATE: '127.0.0.1',
    });
    runners.set(name, runner);
    return runner;
  };

  return {
    db,
    keyring,
    apiUrl,
    async start({ token, runners: names, apiEnv, runnerEnv: moreRunnerEnv }) {
      runnerEnv = moreRunnerEnv ?? {};
      api = startService('api', path.join(root, 'apps/api/dist/main.js'), {
        ...env,
        ...apiEnv,
        PORT: String(port),
        HOST: '127.0.0.1',
        WEFT_BOOTSTRAP_TOKEN: token,
      });
      for (const name of names) startRunner(name);
      await waitFor(async () => (await fetch(`${apiUrl}/health`)).ok, 60_000, 'api health');
    },
    startRunner,
    async killRunner(name) {
      const runner = runners.get(name);
      if (!runner) throw new Error(`no runner "${name}" is running`);
      const exited = new Promise((resolve) => runner.child.once('exit', resolve));
      runner.child.kill('SIGKILL');
      await exited;
      runners.delete(name);
    },
    async stop() {
      await Promise.all([api?.stop(), ...[...runners.values()].map((runner) => runner.stop())]);
      await db.connection.dropDatabase();
      await db.close();
    },
  };
}

/** An app whose webhooks are signed with `secret` under `scheme`, and its default connection. */
export async function seedSignedApp(
  stack: Stack,
  workspaceId: Types.ObjectId,
  app: {
    readonly key: string;
    readonly name?: string;
    readonly scheme?: SignatureScheme;
    readonly secret: string;
  },
): Promise<string> {
  const name = app.name ?? app.key;
  const created = await createApp(stack.db.models, workspaceId, {
    key: app.key,
    name,
    signature: { scheme: app.scheme ?? 'generic' },
  });
  await createConnection(stack.db.models, stack.keyring, workspaceId, {
    appId: created._id.toHexString(),
    name,
    secrets: { webhookSecret: app.secret },
  });
  return created._id.toHexString();
}

/** A scenario with `draft` published (and enabled unless `enabled: false`); its id. */
export async function seedPublishedScenario(
  db: Database,
  workspaceId: Types.ObjectId,
  scenario: {
    readonly name: string;
    readonly draft: GraphInput;
    readonly onFailure?: string;
    readonly enabled?: boolean;
  },
): Promise<string> {
  const created = await createScenario(db.models, workspaceId, {
    name: scenario.name,
    draft: scenario.draft,
  });
  const id = created._id.toHexString();
  if (scenario.onFailure) {
    const saved = await saveDraft(db.models, workspaceId, id, {
      revision: created.revision,
      draft: scenario.draft,
      onFailure: scenario.onFailure,
    });
    if (!saved.ok) throw new Error(`${scenario.name}: ${saved.reason}`);
  }
  const published = await publishScenario(db.models, workspaceId, id);
  if (!published.ok) throw new Error(`publish ${scenario.name}: ${JSON.stringify(published)}`);
  if (scenario.enabled !== false) await setScenarioEnabled(db.models, workspaceId, id, true);
  return id;
}

/** The headers a partner sends: JSON, signed over the raw body as `scheme` signs. */
export function signedHeaders(secret: string, rawBody: string, scheme: SignatureScheme = 'generic') {
  return {
    'content-type': 'application/json',
    ...signWebhook({ config: { scheme }, secret, rawBody: Buffer.from(rawBody) }),
  };
}

/** Posts a raw webhook body to an app over HTTP with exactly these headers. */
export function postWebhook(
  stack: Stack,
  appKey: string,
  rawBody: string,
  headers: Readonly<Record<string, string>>,
): Promise<Response> {
  return fetch(`${stack.apiUrl}/webhook/${appKey}`, { method: 'POST', headers, body: rawBody });
}

/** Posts a signed webhook that must be accepted (202); the runs it started. */
export async function deliverWebhook(
  stack: Stack,
  appKey: string,
  secret: string,
  body: unknown,
): Promise<string[]> {
  const raw = JSON.stringify(body);
  const response = await postWebhook(stack, appKey, raw, signedHeaders(secret, raw));
  expect(response.status).toBe(202);
  return ((await response.json()) as { runIds: string[] }).runIds;
}

/** Posts a signed webhook that must start exactly one run; its id. */
export async function deliverToOneRun(
  stack: Stack,
  appKey: string,
  secret: string,
  body: unknown,
): Promise<string> {
  const runIds = await deliverWebhook(stack, appKey, secret, body);
  expect(runIds).toHaveLength(1);
  return runIds[0]!;
}

/** Polls a run until `check` holds; the run as it was then. */
export async function waitForRun(
  db: Database,
  runId: string | Types.ObjectId,
  what: string,
  check: (run: RunDoc | null) => boolean,
): Promise<RunDoc> {
  let run: RunDoc | null = null;
  await waitFor(
    async () => {
      run = await db.models.Run.findById(toObjectId(runId)).lean<RunDoc>().exec();
      return check(run);
    },
    RUN_TIMEOUT_MS,
    `run ${String(runId)} ${what}`,
  );
  return run!;
}

export const isFinal = (run: RunDoc | null): boolean => run !== null && FINAL.includes(run.status);

/** Polls a run until it succeeded, failed, died or was cancelled. */
export const waitForFinalRun = (db: Database, runId: string | Types.ObjectId): Promise<RunDoc> =>
  waitForRun(db, runId, 'finishing', isFinal);

export const stepOf = (run: RunDoc | null, nodeId: string) => run?.steps.find((s) => s.nodeId === nodeId);

/** Calls a tRPC procedure over HTTP with the bootstrap token; the answer's status, data and error. */
export async function callTrpc(
  stack: Stack,
  token: string,
  procedure: string,
  input: unknown,
  type: 'query' | 'mutation',
) {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const response =
    type === 'query'
      ? await fetch(
          `${stack.apiUrl}/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`,
          { headers },
        )
      : await fetch(`${stack.apiUrl}/trpc/${procedure}`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ json: input }),
        });
  // biome-ignore lint/suspicious/noExplicitAny: answers are read field by field
  const body = (await response.json()) as any;
  return { status: response.status, data: body.result?.data?.json, error: body.error?.json };
}
