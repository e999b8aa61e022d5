import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import net from 'node:net';

export interface Service {
  readonly name: string;
  readonly child: ChildProcess;
  /** Peak resident memory (VmHWM) in MiB, read from /proc while the process lives. */
  peakRssMiB(): number | null;
  /** Its latest output (the last 50 chunks). */
  output(): string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Services still running: ended with this process, so a failed test or benchmark leaves none behind. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts a built Weft service (`node <entry>`) as a child process, as a deployment would, for
 * end-to-end tests and benchmarks. Its last output lines are printed if it dies unexpectedly.
 * `nodeArgs` go before the entry (e.g. `--cpu-prof`); `logFile` receives all its output. It is
 * killed when this process exits.
 */
export function startService(
  name: string,
  entry: string,
  env: Record<string, string>,
  options: { readonly nodeArgs?: readonly string[]; readonly logFile?: string } = {},
): Service {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), entry], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    tail.push(chunk.toString());
    if (tail.length > 50) tail.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  if (options.logFile) {
    const file = createWriteStream(options.logFile);
    child.stdout?.pipe(file);
    child.stderr?.pipe(file);
  }
  running.add(child);
  child.on('exit', (code, signal) => {
    running.delete(child);
    if (code !== 0 && signal !== 'SIGTERM')
      console.error(`${name} exited (${code ?? signal}):\n${tail.join('').slice(-3000)}`);
  });
  return {
    name,
    child,
    output: () => tail.join(''),
    peakRssMiB() {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
        return kb ? Math.round(Number(kb) / 1024) : null;
      } catch {
        return null;
      }
    },
    stop: () =>
      new Promise((resolve) => {
        // Ended already, with a code or by a signal (then exitCode stays null): 'exit' will not come again.
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
