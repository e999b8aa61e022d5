// Starts Weft on this machine: the embedded database (unless MONGODB_URI names a server), the
// api and a runner, prints where they are, and stops all of them on Ctrl-C. Data and the
// secret-encryption key persist in .data/.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedMongo, withDatabaseName } from '@weft/devdb';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = path.join(root, '.data');
const port = process.env.PORT ?? '8080';

function say(message) {
  console.log(`weft: ${message}`);
}

/** The key that encrypts connection secrets: from the environment, else made once and kept in .data/. */
function secretKeys() {
  if (process.env.WEFT_SECRET_KEYS) return process.env.WEFT_SECRET_KEYS;
  const file = path.join(dataDir, 'secret-keys');
  if (!existsSync(file)) {
    writeFileSync(file, `local1:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    say('generated a secret-encryption key in .data/secret-keys (set WEFT_SECRET_KEYS to use your own)');
  }
  return readFileSync(file, 'utf8').trim();
}

function startService(name, entry, env) {
  const child = spawn(process.execPath, [path.join(root, entry)], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return { name, child };
}

async function main() {
  mkdirSync(dataDir, { recursive: true });
  let stopDb = async () => {};
  let uri = process.env.MONGODB_URI;
  if (uri) {
    say(`using MongoDB at ${uri.replace(/\/\/[^@/]*@/, '//***@')}`);
  } else {
    const started = Date.now();
    const db = await startEmbeddedMongo({
      backend: 'h2',
      dataFile: path.join(dataDir, 'weft.mv.db'),
      port: Number(process.env.WEFT_DEVDB_PORT ?? 27017),
    });
    uri = withDatabaseName(db.uri, 'weft');
    stopDb = db.stop;
    say(`embedded database ready at ${db.uri} in ${Date.now() - started} ms (data in .data/)`);
  }

  const env = { MONGODB_URI: uri, WEFT_SECRET_KEYS: secretKeys() };
  const webDist = path.join(root, 'apps/web/dist');
  const web = existsSync(path.join(webDist, 'index.html')) ? { WEFT_WEB_DIST: webDist } : {};
  const services = [startService('api', 'apps/api/dist/main.js', { ...env, ...web, PORT: port })];
  if (existsSync(path.join(root, 'apps/runner/dist/main.js'))) {
    services.push(startService('runner', 'apps/runner/dist/main.js', env));
  }
  if (web.WEFT_WEB_DIST) say(`editor on http://localhost:${port}/ (sign in with the API token)`);
  say(`api on http://localhost:${port} (webhooks: POST /webhook/<appKey>, tRPC: /trpc, health: /health, metrics: /metrics)`);
  if (services.length > 1) {
    const metricsPort = process.env.WEFT_RUNNER_METRICS_PORT ?? '9464';
    if (metricsPort !== '0') say(`runner metrics on http://localhost:${metricsPort}/metrics`);
  }
  say('press Ctrl-C to stop');

  let stopping = false;
  const stopAll = async (reason, code) => {
    if (stopping) return;
    stopping = true;
    say(`${reason}; stopping`);
    await Promise.all(
      services.map(
        ({ child }) =>
          new Promise((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    await stopDb();
    process.exit(code);
  };
  for (const { name, child } of services) {
    child.on(
      'exit',
      (code, signal) => void stopAll(`${name} exited (${code ?? signal})`, code === 0 ? 0 : 1),
    );
  }
  process.on('SIGINT', () => void stopAll('SIGINT received', 0));
  process.on('SIGTERM', () => void stopAll('SIGTERM received', 0));
}

main().catch((error) => {
  console.error(`weft: could not start: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
