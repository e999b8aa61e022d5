#!/usr/bin/env node
// Weft's entry point for a fresh machine: installs what the repository needs, then starts the
// product, runs every test or runs the benchmarks. Only Node 20+ and npm are assumed; Java 17 and
// Maven are installed with apt when missing (the embedded database runs on the JVM).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PNPM_VERSION = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).packageManager.split(
  '@',
)[1];
const toolsDir = path.join(root, '.tools');
const env = {
  ...process.env,
  PATH: [
    path.join(toolsDir, 'node_modules', '.bin'),
    path.join(root, 'node_modules', '.bin'),
    process.env.PATH,
  ].join(path.delimiter),
  TURBO_TELEMETRY_DISABLED: '1',
  DO_NOT_TRACK: '1',
};

function say(message) {
  console.log(`weft: ${message}`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, env, stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    console.error(`weft: ${command} ${args.join(' ')} failed with exit code ${result.status}`);
    process.exit(result.status ?? 1);
  }
}

function has(command, args = ['--version']) {
  const result = spawnSync(command, args, { env, stdio: 'ignore' });
  return !result.error && result.status === 0;
}

function ensurePnpm() {
  const local = path.join(toolsDir, 'node_modules', '.bin', 'pnpm');
  if (existsSync(local)) {
    const version = execFileSync(local, ['--version'], { env }).toString().trim();
    if (version === PNPM_VERSION) return;
  }
  say(`installing pnpm ${PNPM_VERSION} into .tools/`);
  run('npm', [
    'install',
    '--prefix',
    toolsDir,
    '--no-save',
    '--no-package-lock',
    '--no-audit',
    '--no-fund',
    `pnpm@${PNPM_VERSION}`,
  ]);
}

function ensureJava() {
  if (has('java', ['-version']) && has('mvn', ['-v'])) return;
  if (process.getuid?.() !== 0 || !has('apt-get', ['--version'])) {
    console.error(
      'weft: Java 17 and Maven are needed for the embedded database; install them (e.g. apt-get install openjdk-17-jre-headless maven).',
    );
    process.exit(1);
  }
  say('installing Java 17 and Maven with apt-get');
  run('apt-get', ['update', '-q']);
  run('apt-get', ['install', '-y', '-q', 'openjdk-17-jdk-headless', 'maven']);
}

/** The editor's browser tests drive Debian's Chromium (a browser download of a test tool cannot work here). */
function ensureChromium() {
  if (!existsSync(path.join(root, 'apps', 'web')) || existsSync('/usr/bin/chromium')) return;
  if (process.getuid?.() !== 0 || !has('apt-get', ['--version'])) {
    console.error(
      'weft: the browser tests need Chromium at /usr/bin/chromium; install it (e.g. apt-get install chromium).',
    );
    process.exit(1);
  }
  say('installing Chromium with apt-get (for the browser tests)');
  run('apt-get', ['update', '-q']);
  run('apt-get', ['install', '-y', '-q', 'chromium']);
}

function install() {
  ensurePnpm();
  ensureJava();
  run('pnpm', ['install', '--frozen-lockfile', '--reporter=append-only']);
}

/** Sums the JSON reports every package's vitest wrote (turbo restores them from its cache too). */
function reportTotals() {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const projects = ['packages', 'apps']
    .flatMap((group) =>
      existsSync(path.join(root, group))
        ? readdirSync(path.join(root, group)).map((name) => path.join(group, name))
        : [],
    )
    .concat(['e2e']);
  for (const project of projects) {
    const file = path.join(root, project, 'test-results', 'vitest.json');
    if (!existsSync(file)) continue;
    const report = JSON.parse(readFileSync(file, 'utf8'));
    passed += report.numPassedTests ?? 0;
    failed += (report.numFailedTests ?? 0) + (report.numRuntimeErrorTests ?? 0);
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  }
  console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  return failed;
}

function test() {
  install();
  ensureChromium();
  const result = spawnSync(
    'pnpm',
    ['exec', 'turbo', 'run', 'deps', 'lint', 'typecheck', 'test', '--continue', '--output-logs=errors-only'],
    {
      cwd: root,
      env,
      stdio: 'inherit',
    },
  );
  const failed = reportTotals();
  process.exit(result.status === 0 && failed === 0 ? 0 : 1);
}

function start() {
  install();
  run('pnpm', ['exec', 'turbo', 'run', 'build', '--output-logs=errors-only']);
  const child = spawn(process.execPath, [path.join(root, 'scripts', 'start.mjs')], {
    cwd: root,
    env,
    stdio: 'inherit',
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code) => process.exit(code ?? 0));
}

function bench() {
  install();
  run('pnpm', ['exec', 'turbo', 'run', 'build', '--output-logs=errors-only']);
  run('pnpm', ['exec', 'turbo', 'run', 'bench', '--concurrency=1', '--output-logs=full']);
}

const commands = { test, start, bench, install };
const command = process.argv[2] ?? '';
if (!(command in commands)) {
  console.error(`usage: node scripts/weft.mjs <${Object.keys(commands).join('|')}>`);
  process.exit(2);
}
commands[command]();
