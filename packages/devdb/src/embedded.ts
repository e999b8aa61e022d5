import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import path from 'node:path';
import { ensureJars } from './jars.js';
import { classesDir, libDir } from './paths.js';

export interface EmbeddedMongoOptions {
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** TCP port; 0 (the default) picks any free port. */
  port?: number;
  /** `memory` (fastest, for tests) or `h2` (persists to `dataFile`). */
  backend?: 'memory' | 'h2';
  /** The H2 data file, required for the h2 backend, e.g. `.data/weft.mv.db`. */
  dataFile?: string;
  /** Where progress lines go; default stderr. */
  log?: (line: string) => void;
  /** How long to wait for the server to report ready; default 60 s. */
  startTimeoutMs?: number;
}

export interface EmbeddedMongo {
  readonly uri: string;
  readonly pid: number;
  stop(): Promise<void>;
  /** Ends the server as a crash would (SIGKILL: no shutdown hook, nothing flushed); resolves once it is gone. */
  kill(): Promise<void>;
}

const READY_PREFIX = 'WEFT_DEVDB_READY ';

function javaArgs(
  options: Required<Pick<EmbeddedMongoOptions, 'host' | 'port' | 'backend'>> & EmbeddedMongoOptions,
) {
  const classpath = [classesDir, path.join(libDir, '*')].join(path.delimiter);
  const extra = (process.env.WEFT_DEVDB_JAVA_OPTS ?? '').split(/\s+/).filter(Boolean);
  // An in-memory database keeps everything it is given: nearly every object it allocates lives
  // on. G1 with a short pause goal and objects promoted at their first collection (copied once,
  // not again and again between survivor spaces) keeps pauses in the tens of milliseconds while
  // the heap grows; SerialGC paused for 0.2–1.3 s under the benchmark (packages/devdb/README.md).
  // A collector named in WEFT_DEVDB_JAVA_OPTS replaces this one (the JVM refuses two).
  const collector = extra.some((option) => /^-XX:\+Use\w+GC$/.test(option))
    ? []
    : ['-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:MaxTenuringThreshold=0'];
  const args = [
    ...collector,
    '-Xss1m',
    // The server logs every error it also answers the client with (e.g. a collection created by
    // two processes at once); the client handles those, so the server's copies are noise.
    '-Dorg.slf4j.simpleLogger.defaultLogLevel=off',
    // Extra JVM options, e.g. a flight recording for a profile (packages/devdb/README.md).
    ...extra,
    '-cp',
    classpath,
    'weft.devdb.Launcher',
    '--host',
    options.host,
    '--port',
    String(options.port),
    '--backend',
    options.backend,
    '--watch-stdin',
  ];
  if (options.backend === 'h2') {
    if (!options.dataFile) throw new Error('weft-devdb: the h2 backend needs a dataFile');
    args.push('--file', path.resolve(options.dataFile));
    // Every acknowledged write is on file before its reply (a killed server loses none);
    // WEFT_DEVDB_FSYNC=1 also forces each group commit to the disk (a power cut loses none).
    if (process.env.WEFT_DEVDB_FSYNC === '1') args.push('--fsync');
  }
  return args;
}

function waitForReady(child: ChildProcessWithoutNullStreams, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`weft-devdb: the server did not start within ${timeoutMs} ms.\n${stderr.slice(-2000)}`),
      );
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((l) => l.startsWith(READY_PREFIX));
      if (line) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve(line.slice(READY_PREFIX.length).trim());
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(
          `weft-devdb: the server exited before it was ready (code ${code}, signal ${signal}).\n${stderr.slice(-2000)}`,
        ),
      );
    });
  });
}

/**
 * Starts mongo-java-server (MongoDB wire protocol, with an oplog so change streams work) in a
 * child JVM and resolves once it accepts connections. The JVM exits when this process dies,
 * because the launcher watches its standard input.
 */
export async function startEmbeddedMongo(options: EmbeddedMongoOptions = {}): Promise<EmbeddedMongo> {
  const log = options.log ?? ((line: string) => console.error(line));
  await ensureJars(log);
  const resolved = { host: '127.0.0.1', port: 0, backend: 'memory' as const, ...options };
  const child = spawn('java', javaArgs(resolved), { stdio: ['pipe', 'pipe', 'pipe'] });
  const uri = await waitForReady(child, options.startTimeoutMs ?? 60_000);
  // Keep draining output so a chatty server never blocks on a full pipe.
  child.stdout.resume();
  child.stderr.on('data', (chunk: Buffer) => {
    const text = chunk.toString().trim();
    if (text) log(`weft-devdb: ${text}`);
  });

  let stopped: Promise<void> | undefined;
  const end = (signal: 'SIGTERM' | 'SIGKILL') => {
    stopped ??= new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const killTimer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(killTimer);
        resolve();
      });
      child.kill(signal);
    });
    return stopped;
  };
  return { uri, pid: child.pid ?? -1, stop: () => end('SIGTERM'), kill: () => end('SIGKILL') };
}
