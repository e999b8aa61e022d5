/**
 * The product as processes for browser tests: the built api and runner on a fresh database of
 * the embedded server (vitest global setup), the built web app, and Debian's chromium driven by
 * playwright-core. Everything a test needs is checked first and reported clearly when missing.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSecretKey } from '@weft/core/secrets';
import { testDatabase } from '@weft/devdb/test-db';
import { freePort, type Service, startService, waitFor } from '@weft/devdb/services';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import type { AppRouter } from '@weft/api/types';
import { type Browser, chromium, type Page } from 'playwright-core';
import superjson from 'superjson';
import { webOrigin } from './web-server';

export const webRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = path.resolve(webRoot, '..', '..');
export const distDir = path.join(webRoot, 'dist');
export const screenshotDir = path.join(webRoot, 'test-results', 'screenshots');

export const CHROMIUM = process.env.WEFT_CHROMIUM ?? '/usr/bin/chromium';
/** The flags that work headless in a container (no sandbox, no GPU, nothing fetched in the background). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Stack {
  readonly apiUrl: string;
  readonly webUrl: string;
  readonly token: string;
  readonly api: Service;
  readonly runner: Service;
  /** Starts one more api process on the same database (stopped with the stack); its URL once healthy. */
  startApi(extraEnv?: Record<string, string>): Promise<string>;
  stop(): Promise<void>;
}

/** Throws (never skips) when something the browser tests need is not there. */
export function checkPrerequisites(): void {
  const missing: string[] = [];
  if (!existsSync(CHROMIUM)) {
    missing.push(
      `chromium is not installed at ${CHROMIUM}: install it with \`apt-get update && apt-get install -y chromium\``,
    );
  }
  if (!existsSync(path.join(distDir, 'index.html'))) {
    missing.push(
      'apps/web/dist is not built: run `pnpm --filter @weft/web build` (the test script builds it first)',
    );
  }
  for (const entry of ['apps/api/dist/main.js', 'apps/runner/dist/main.js']) {
    if (!existsSync(path.join(repoRoot, entry)))
      missing.push(`${entry} is missing: run \`pnpm build\` at the root`);
  }
  if (missing.length > 0) throw new Error(`the browser e2e tests cannot run:\n- ${missing.join('\n- ')}`);
}

export async function startStack(label: string, extraEnv: Record<string, string> = {}): Promise<Stack> {
  checkPrerequisites();
  const database = testDatabase(label);
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  const token = `weft_${'w'.repeat(43)}`;
  const env = {
    MONGODB_URI: database.uri,
    WEFT_SECRET_KEYS: `e2e:${generateSecretKey()}`,
    WEFT_HTTP_ALLOW_PRIVATE: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ...extraEnv,
  };
  const extraApis: Service[] = [];
  const api = startService('api', path.join(repoRoot, 'apps/api/dist/main.js'), {
    ...env,
    PORT: String(port),
    HOST: '127.0.0.1',
    WEFT_BOOTSTRAP_TOKEN: token,
    // OAuth2 redirect URIs are made from it: the browser comes back to this api.
    WEFT_PUBLIC_URL: apiUrl,
    // An api that serves the web app itself is used as is; otherwise web-server.ts stands in.
    WEFT_WEB_DIST: distDir,
  });
  const runner = startService('runner', path.join(repoRoot, 'apps/runner/dist/main.js'), {
    ...env,
    WEFT_RUNNER_NAME: `web-e2e-${label}`,
  });
  await waitFor(async () => (await fetch(`${apiUrl}/health`)).ok, 90_000, 'api health');
  const web = await webOrigin(distDir, apiUrl);
  return {
    apiUrl,
    webUrl: web.url,
    token,
    api,
    runner,
    async startApi(more = {}) {
      const extraPort = await freePort();
      const url = `http://127.0.0.1:${extraPort}`;
      extraApis.push(
        startService(`api-${extraApis.length + 2}`, path.join(repoRoot, 'apps/api/dist/main.js'), {
          ...env,
          PORT: String(extraPort),
          HOST: '127.0.0.1',
          WEFT_BOOTSTRAP_TOKEN: token,
          ...more,
        }),
      );
      await waitFor(async () => (await fetch(`${url}/health`)).ok, 90_000, 'second api health');
      return url;
    },
    async stop() {
      await web.close();
      await Promise.all([api.stop(), runner.stop(), ...extraApis.map((extra) => extra.stop())]);
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  checkPrerequisites();
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** A page at 1280×800 that fails the test on uncaught page errors and CSP violations (collected, checked by the caller). */
export async function newPage(
  browser: Browser,
  width = 1280,
  height = 800,
): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width, height } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write']).catch(() => undefined);
  // A Content-Security-Policy violation fails the test like an uncaught error: the editor must
  // work under the policy the api sends.
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      setTimeout(() => {
        throw new Error(
          `CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || 'inline code'}`,
        );
      });
    });
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return { page, errors };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

export async function signIn(page: Page, stack: Stack): Promise<void> {
  await page.goto(`${stack.webUrl}/#/scenarios`);
  await page.fill('#token', stack.token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Scenarios' }).waitFor();
}

export type ApiClient = ReturnType<typeof createTRPCClient<AppRouter>>;

/** The typed tRPC client of the stack's api, acting with its bootstrap token (for set-up). */
export function apiClient(stack: Pick<Stack, 'apiUrl' | 'token'>): ApiClient {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${stack.apiUrl}/trpc`,
        transformer: superjson,
        headers: { authorization: `Bearer ${stack.token}` },
      }),
    ],
  });
}
