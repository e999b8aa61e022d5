import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSecretKey } from '@weft/core/secrets';
import { freePort, type Service, startService, waitFor } from '@weft/devdb/services';
import { testDatabase } from '@weft/devdb/test-db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type WeftClient } from '../src/client.js';

/**
 * The built `weft` bin against the built api and runner as processes on the embedded database:
 * login, apply, export, plan, runs tail and replay, as a person would type them.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..', '..');
const bin = path.resolve(here, '..', 'dist', 'bin.js');
const TOKEN = `weft_${'f'.repeat(43)}`;
const APP_KEY = `cli-shop-${Math.random().toString(36).slice(2, 8)}`;
const target = testDatabase('cli');
let api: Service;
let runner: Service;
let url = '';
let home = '';
let work = '';
let client: WeftClient;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `weft <args>` with a home of its own (its config file) and no WEFT_* variables unless given. */
function weft(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const { WEFT_URL: _u, WEFT_TOKEN: _t, ...inherited } = process.env;
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...inherited, HOME: home, XDG_CONFIG_HOME: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const position = { x: 0, y: 0 };
const doubleFile = {
  formatVersion: 1,
  name: 'Double',
  nodes: [
    { id: 'start', type: 'trigger.manual', version: 1, config: {}, position },
    {
      id: 'double',
      type: 'transform',
      version: 1,
      config: { expression: '{ "n": trigger.n * 2 }' },
      position,
    },
    { id: 'log', type: 'logger', version: 1, config: { message: 'doubled {{ nodes.double.n }}' }, position },
  ],
  edges: [
    { id: 'e1', source: 'start', sourceHandle: 'out', target: 'double', targetHandle: 'in' },
    { id: 'e2', source: 'double', sourceHandle: 'out', target: 'log', targetHandle: 'in' },
  ],
};
const ordersFile = {
  formatVersion: 1,
  name: 'Orders',
  description: 'Doubles every order',
  nodes: [
    { id: 'hook', type: 'trigger.webhook', version: 1, config: { appId: { $app: APP_KEY } }, position },
    {
      id: 'call',
      type: 'scenario.call',
      version: 1,
      config: { scenarioId: { $scenario: 'Double' }, input: { n: '{{ trigger.body.n }}' } },
      position,
    },
  ],
  edges: [{ id: 'e1', source: 'hook', sourceHandle: 'out', target: 'call', targetHandle: 'in' }],
};

async function writeDir(name: string, files: Record<string, unknown>): Promise<string> {
  const dir = path.join(work, name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) {
    await writeFile(path.join(dir, file), `${JSON.stringify(content, null, 2)}\n`);
  }
  return dir;
}

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'weft-cli-home-'));
  work = await mkdtemp(path.join(tmpdir(), 'weft-cli-work-'));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const env = { MONGODB_URI: target.uri, WEFT_SECRET_KEYS: `cli:${generateSecretKey()}`, LOG_LEVEL: 'warn' };
  api = startService('api', path.join(root, 'apps/api/dist/main.js'), {
    ...env,
    PORT: String(port),
    HOST: '127.0.0.1',
    WEFT_BOOTSTRAP_TOKEN: TOKEN,
  });
  runner = startService('runner', path.join(root, 'apps/runner/dist/main.js'), {
    ...env,
    WEFT_RUNNER_NAME: 'cli-runner',
    WEFT_RUNNER_METRICS_PORT: '0',
  });
  await waitFor(async () => (await fetch(`${url}/health`)).ok, 60_000, 'api health');
  client = createClient({ url, token: TOKEN });
  const app = await client.apps.create.mutate({
    key: APP_KEY,
    name: 'Shop',
    signature: { scheme: 'generic' },
  });
  await client.connections.create.mutate({
    appId: app.id,
    name: 'Default',
    secrets: { webhookSecret: 'cli-shared-secret-0123456789abcd' },
  });
});

afterAll(async () => {
  await Promise.all([api?.stop(), runner?.stop()]);
  await rm(home, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

describe('weft login', () => {
  it('refuses a wrong token and keeps nothing', async () => {
    const refused = await weft(['login', '--url', url, '--token', `weft_${'0'.repeat(43)}`]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^weft: the server refused the token: .+; run weft login again\n$/);
    await expect(stat(path.join(home, '.config/weft/config.json'))).rejects.toThrow();
  });

  it('checks the token and keeps server and token in ~/.config/weft/config.json, readable by its owner only', async () => {
    const result = await weft(['login', '--url', `${url}/`, '--token', TOKEN]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^Logged in to http:\/\/127\.0\.0\.1:\d+: workspace ".+", token ".+"\. Saved to .+config\.json\.\n$/,
    );
    const file = path.join(home, '.config/weft/config.json');
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ url, token: TOKEN });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('WEFT_URL and WEFT_TOKEN take precedence over the file', async () => {
    const result = await weft(['export', path.join(work, 'nowhere')], {
      WEFT_URL: 'http://127.0.0.1:1',
      WEFT_TOKEN: TOKEN,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^weft: cannot reach http:\/\/127\.0\.0\.1:1: /);
  });
});

describe('weft plan / apply / export', () => {
  it('plans, applies with --publish, exports the same files back and then plans nothing to do', async () => {
    const source = await writeDir('source', { 'double.json': doubleFile, 'orders.json': ordersFile });

    const plan = await weft(['plan', source]);
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toBe(
      [
        '+ create    Double  (double.json)',
        '    nodes added: start, double, log; edges added: e1, e2',
        '+ create    Orders  (orders.json)',
        '    nodes added: hook, call; edges added: e1',
        '2 scenarios to create, 0 to update, 0 unchanged.',
        '',
      ].join('\n'),
    );
    expect((await client.scenarios.list.query({})).items).toEqual([]);

    const applied = await weft(['apply', source, '--publish']);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('Applied: 2 drafts saved.\n');
    expect(applied.stdout).toContain('Published "Double" as version 1.\nPublished "Orders" as version 1.\n');
    const scenarios = (await client.scenarios.list.query({})).items;
    expect(scenarios.map((s) => [s.name, s.version]).sort()).toEqual([
      ['Double', 1],
      ['Orders', 1],
    ]);

    const exported = path.join(work, 'exported');
    const result = await weft(['export', exported]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `Wrote 2 scenario files to ${exported}:\n  double.json  Double\n  orders.json  Orders\n`,
    );
    expect((await readdir(exported)).sort()).toEqual(['double.json', 'orders.json']);
    const orders = JSON.parse(await readFile(path.join(exported, 'orders.json'), 'utf8'));
    expect(orders).toEqual({ ...ordersFile, onFailure: null });
    expect(JSON.parse(await readFile(path.join(exported, 'double.json'), 'utf8'))).toEqual({
      ...doubleFile,
      description: '',
      onFailure: null,
    });

    const again = await weft(['plan', exported]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(
      '= unchanged Double  (double.json)\n= unchanged Orders  (orders.json)\n0 scenarios to create, 0 to update, 2 unchanged.\n',
    );
  });

  it('shows an edit as an update with what changed, and saves it only on apply', async () => {
    const edited = structuredClone(doubleFile);
    const log = edited.nodes.find((n) => n.id === 'log');
    if (log) log.config = { message: 'twice {{ nodes.double.n }}' };
    const dir = await writeDir('edited', { 'double.json': edited });
    const double = (await client.scenarios.list.query({ name: 'Double' })).items[0];
    const before = await client.scenarios.get.query({ id: double?.id ?? '' });

    const plan = await weft(['plan', dir]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toBe(
      '~ update    Double  (double.json)\n    nodes changed: log (config)\n0 scenarios to create, 1 to update, 0 unchanged.\n',
    );
    expect((await client.scenarios.get.query({ id: before.id })).revision).toBe(before.revision);

    const applied = await weft(['apply', dir]);
    expect(applied.code).toBe(0);
    const after = await client.scenarios.get.query({ id: before.id });
    expect(after.revision).toBe(before.revision + 1);
    expect(after.draft.nodes.find((n) => n.id === 'log')?.config).toEqual({
      message: 'twice {{ nodes.double.n }}',
    });
    expect(after.version).toBe(1);
  });

  it('lists every problem, exits 1 and changes nothing', async () => {
    const broken = structuredClone(ordersFile);
    broken.name = 'Broken orders';
    broken.nodes[0] = { ...broken.nodes[0]!, config: { appId: { $app: 'no-such-app' } } };
    broken.nodes[1] = { ...broken.nodes[1]!, version: 4 };
    const dir = await writeDir('broken', {
      'broken.json': broken,
      'newer.json': { ...doubleFile, name: 'Later', formatVersion: 2 },
    });
    const expected = [
      '0 scenarios to create, 0 to update, 0 unchanged.',
      '',
      '3 problems; nothing was changed:',
      '  newer.json: formatVersion: formatVersion is newer than this server reads (1); upgrade Weft',
      '  broken.json: node "call" was saved with scenario.call version 4, newer than this server\'s version 1',
      '  broken.json: node "hook" (trigger.webhook) field "appId": no app with the key "no-such-app" in this workspace',
      '',
    ].join('\n');
    for (const command of ['plan', 'apply']) {
      const result = await weft([command, dir]);
      expect(result.code, command).toBe(1);
      expect(result.stdout, command).toBe(expected);
    }
    expect((await client.scenarios.list.query({})).items.map((s) => s.name).sort()).toEqual([
      'Double',
      'Orders',
    ]);

    await writeFile(path.join(dir, 'torn.json'), '{ "formatVersion": 1, ');
    const torn = await weft(['plan', dir]);
    expect(torn.code).toBe(1);
    expect(torn.stderr).toMatch(/^weft: 1 file\(s\) could not be read:\n {2}torn\.json: not valid JSON: /);
  });
});

describe('weft runs tail / replay', () => {
  let tail: ChildProcess | undefined;
  afterAll(() => {
    tail?.kill('SIGKILL');
  });

  it('tails runs as they change and replays a finished one', async () => {
    const double = (await client.scenarios.list.query({ name: 'Double' })).items[0];
    const response = await fetch(`${url}/trigger/${double?.id}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ n: 21 }),
    });
    expect(response.status).toBe(202);
    const { runId } = (await response.json()) as { runId: string };

    let output = '';
    const { WEFT_URL: _u, WEFT_TOKEN: _t, ...inherited } = process.env;
    tail = spawn(process.execPath, [bin, 'runs', 'tail', '--scenario', 'Double', '--interval', '200'], {
      env: { ...inherited, HOME: home, XDG_CONFIG_HOME: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    tail.stdout?.on('data', (chunk) => (output += chunk));
    tail.stderr?.on('data', (chunk) => (output += chunk));
    const line = (id: string, kind: string, status: string) =>
      new RegExp(`^\\S+Z  ${id}  Double  ${kind}  ${status}`, 'm');
    await expect.poll(() => output).toMatch(line(runId, 'manual', 'succeeded'));

    const replay = await weft(['replay', runId]);
    expect(replay.stderr).toBe('');
    expect(replay.code).toBe(0);
    // The runner may claim the new run before the api reads it back: any status is right here.
    const replayId = /^Replaying run [0-9a-f]{24} from the start: new run ([0-9a-f]{24}) \(\w+\)\.$/m.exec(
      replay.stdout,
    )?.[1];
    expect(replayId, replay.stdout).toBeDefined();
    await expect.poll(() => output).toMatch(line(replayId ?? '', 'replay', 'succeeded'));

    const exited = new Promise<number | null>((resolve) => tail?.once('exit', (code) => resolve(code)));
    tail.kill('SIGTERM');
    expect(await exited).toBe(0);

    const unknown = await weft(['replay', 'not-an-id']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^weft: .*id/);
  });
});
