import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSecretKey } from '@weft/core/secrets';
import { testDatabase } from '@weft/devdb/test-db';
import { freePort, startService, waitFor } from '@weft/devdb/services';
import { loadConfig as loadApiConfig } from '@weft/api';
import { loadConfig as loadRunnerConfig } from '@weft/runner/dist/config.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * docker-compose.yml and the Dockerfile, checked without Docker (it does not run on these
 * machines): the services and their health checks, every variable they set is one the apps read
 * (and every variable the apps read is set), the defaults after `:-` are the apps' own, the
 * commands name files the build produces, and those very commands start and serve with the
 * compose environment against the embedded database.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  healthcheck?: { test?: string[] };
  depends_on?: Record<string, { condition?: string }>;
  deploy?: { replicas?: number };
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> };
const services = compose.services;

/** `${NAME:-default}` → default, `${NAME:?message}` → null (required), anything else as written. */
function resolveDefault(value: string): string | null {
  const match = /^\$\{([A-Z0-9_]+)(?::([-?])(.*))?\}$/s.exec(String(value));
  if (!match) return String(value);
  if (match[2] === '?') return null;
  return match[3] ?? '';
}

/** The variables a config module declares: the keys of its zod env object(s), by reading the source. */
function declaredEnv(...files: string[]): Set<string> {
  const names = new Set<string>();
  for (const file of files) {
    for (const match of read(file).matchAll(/^ {2}([A-Z][A-Z0-9_]+): /gm)) names.add(match[1]!);
  }
  return names;
}

const apiEnv = declaredEnv('apps/api/src/config.ts');
const runnerEnv = declaredEnv(
  'apps/runner/src/config.ts',
  'apps/runner/src/maintenance/maintenance-config.ts',
  'apps/runner/src/observability/metrics-config.ts',
);
/** Set per process on purpose (each runner names itself after its container). */
const LEFT_UNSET = new Set(['WEFT_RUNNER_NAME']);
const key = `deploy:${generateSecretKey()}`;

function defaultsOf(service: ComposeService): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(service.environment ?? {})) {
    const resolved = resolveDefault(value);
    if (resolved !== null) env[name] = resolved;
  }
  return env;
}

describe('docker-compose.yml', () => {
  it('runs MongoDB 7 as a replica set, the api on 8080 and two runners, each with a health check', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'mongo', 'runner']);
    expect(services.mongo!.image).toBe('mongo:7.0');
    expect(services.mongo!.healthcheck?.test?.join(' ')).toContain('rs.initiate');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose interpolation, not a template
    expect(services.api!.ports).toEqual(['${PORT:-8080}:8080']);
    expect(services.runner!.deploy?.replicas).toBe(2);
    for (const name of ['api', 'runner'] as const) {
      const service = services[name]!;
      expect(service.build, name).toBeDefined();
      expect(service.depends_on?.mongo?.condition, name).toBe('service_healthy');
      expect(service.healthcheck?.test?.join(' '), name).toContain('/health');
      expect(service.environment?.MONGODB_URI, name).toContain('replicaSet=rs0');
    }
  });

  it('sets only variables the apps read, and every one they read (with its default)', () => {
    const api = Object.keys(services.api!.environment ?? {});
    const runner = Object.keys(services.runner!.environment ?? {});
    expect(api.filter((name) => !apiEnv.has(name))).toEqual([]);
    expect(runner.filter((name) => !runnerEnv.has(name))).toEqual([]);
    expect([...apiEnv].filter((name) => !api.includes(name))).toEqual([]);
    expect([...runnerEnv].filter((name) => !runner.includes(name) && !LEFT_UNSET.has(name))).toEqual([]);
  });

  it("writes the apps' own defaults after `:-`", () => {
    const required = { MONGODB_URI: 'mongodb://mongo:27017/weft', WEFT_SECRET_KEYS: key };
    const check = (
      service: ComposeService,
      load: (env: Record<string, string>) => unknown,
      intended: ReadonlySet<string>,
    ) => {
      const baseline = load(required);
      for (const [name, value] of Object.entries(service.environment ?? {})) {
        if (intended.has(name) || !String(value).includes(':-')) continue;
        const resolved = resolveDefault(value);
        if (resolved === null) continue;
        expect(load({ ...required, [name]: resolved }), `${name}=${resolved}`).toEqual(baseline);
      }
    };
    // The keyring (closures over the key) is the same input each time; the rest is compared as data.
    const data = ({ keyring: _keyring, ...rest }: { keyring: unknown }) => rest;
    check(services.api!, (env) => data(loadApiConfig(env)), new Set(['MONGODB_URI']));
    check(services.runner!, (env) => data(loadRunnerConfig(env)), new Set(['MONGODB_URI']));
  });

  it('commands name what the build produces, and the Dockerfile builds and runs them', () => {
    expect(services.api!.command).toEqual(['node', 'apps/api/dist/main.js']);
    expect(services.runner!.command).toEqual(['node', 'apps/runner/dist/main.js']);
    for (const file of ['apps/api/dist/main.js', 'apps/runner/dist/main.js']) {
      expect(existsSync(path.join(root, file)), `${file} (build first)`).toBe(true);
    }
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(/^FROM node:20\S* AS build$/m);
    expect(dockerfile).toMatch(/^FROM node:20\S* AS runtime$/m);
    expect(dockerfile).toContain('pnpm install --frozen-lockfile');
    expect(dockerfile).toContain('turbo run build');
    expect(dockerfile).toMatch(/^CMD \["node", "apps\/api\/dist\/main\.js"\]$/m);
    expect(dockerfile).toContain('COPY --from=build --chown=node:node /app/apps/web/dist apps/web/dist');
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
    expect(read('.dockerignore')).toContain('**/node_modules');
  });
});

describe("the images' commands outside Docker", () => {
  const target = testDatabase('deploy');

  it('start with the compose environment against the embedded database, serve /health and /metrics, stop on SIGTERM', async () => {
    const apiPort = await freePort();
    const metricsPort = await freePort();
    const common = { MONGODB_URI: target.uri, WEFT_SECRET_KEYS: key, LOG_LEVEL: 'warn' };
    const webDist = path.join(root, 'apps/web/dist');
    const apiEnvironment: Record<string, string> = {
      ...defaultsOf(services.api!),
      ...common,
      PORT: String(apiPort),
      HOST: '127.0.0.1',
    };
    // Inside the image the web app is at /app/apps/web/dist; here, where the build put it (if built).
    if (existsSync(path.join(webDist, 'index.html'))) apiEnvironment.WEFT_WEB_DIST = webDist;
    else delete apiEnvironment.WEFT_WEB_DIST;
    const runnerEnvironment = {
      ...defaultsOf(services.runner!),
      ...common,
      WEFT_RUNNER_METRICS_PORT: String(metricsPort),
      WEFT_RUNNER_METRICS_HOST: '127.0.0.1',
    };
    const [apiCommand, apiEntry] = services.api!.command!;
    const [runnerCommand, runnerEntry] = services.runner!.command!;
    expect([apiCommand, runnerCommand]).toEqual(['node', 'node']);
    const api = startService('api', path.join(root, apiEntry!), apiEnvironment);
    const runner = startService('runner', path.join(root, runnerEntry!), runnerEnvironment);
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${apiPort}/health`)).ok, 60_000, 'api health');
      await waitFor(async () => (await fetch(`http://127.0.0.1:${metricsPort}/health`)).ok, 60_000, 'runner health');
      const apiMetrics = await (await fetch(`http://127.0.0.1:${apiPort}/metrics`)).text();
      expect(apiMetrics).toContain('weft_webhooks_total');
      const runnerMetrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(runnerMetrics).toContain('weft_runs_in_flight');
    } finally {
      await Promise.all([api.stop(), runner.stop()]);
    }
    expect(api.child.exitCode).toBe(0);
    expect(runner.child.exitCode).toBe(0);
  }, 300_000);
});
