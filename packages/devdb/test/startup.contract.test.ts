import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { MongoClient, MongoServerError } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedMongo, startEmbeddedMongo } from '../src/index.js';

/**
 * The embedded server's life cycle, independent of the run's shared server: the h2 backend
 * persists across a restart on the same file, and no JVM outlives stop() or its parent.
 * (No timing assertions: start-up times are measured and reported outside the tests.)
 */

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

async function gone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

async function withClient<T>(server: EmbeddedMongo, use: (client: MongoClient) => Promise<T>): Promise<T> {
  const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 30_000 });
  try {
    await client.connect();
    return await use(client);
  } finally {
    await client.close();
  }
}

describe('contract: embedded server life cycle', () => {
  let dir: string;
  const started: EmbeddedMongo[] = [];
  const start = async (dataFile: string) => {
    const server = await startEmbeddedMongo({ backend: 'h2', dataFile, log: () => {} });
    started.push(server);
    return server;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'weft-devdb-startup-'));
  });
  afterAll(async () => {
    await Promise.all(started.map((s) => s.stop()));
    await rm(dir, { recursive: true, force: true });
  });

  it('the h2 backend keeps documents and unique indexes across stop (SIGTERM) and restart', async () => {
    const dataFile = path.join(dir, 'weft.mv.db');
    const first = await start(dataFile);
    expect(first.pid).toBeGreaterThan(0);
    await withClient(first, async (client) => {
      const runs = client.db('weft').collection<{ _id: string; status: string; n: number }>('runs');
      await runs.createIndex({ status: 1, n: 1 }, { unique: true, name: 'status_n_unique' });
      await runs.insertMany(
        Array.from({ length: 100 }, (_, i) => ({ _id: `r${i}`, status: 'queued', n: i })),
      );
      await runs.updateOne({ _id: 'r7' }, { $set: { status: 'running' } });
      await runs.deleteOne({ _id: 'r99' });
    });
    await first.stop();
    expect(await gone(first.pid, 30_000), `java pid ${first.pid} still alive after stop()`).toBe(true);

    const second = await start(dataFile);
    expect(second.pid).not.toBe(first.pid);
    await withClient(second, async (client) => {
      const runs = client.db('weft').collection<{ _id: string; status: string; n: number }>('runs');
      expect(await runs.countDocuments()).toBe(99);
      expect(await runs.findOne({ _id: 'r7' })).toEqual({ _id: 'r7', status: 'running', n: 7 });
      expect(await runs.findOne({ _id: 'r99' })).toBeNull();
      const names = (await runs.listIndexes().toArray()).map((i) => i.name);
      expect(names).toContain('status_n_unique');
      const duplicate = await runs.insertOne({ _id: 'x', status: 'queued', n: 1 }).catch((e: unknown) => e);
      expect(duplicate).toBeInstanceOf(MongoServerError);
      expect((duplicate as MongoServerError).code).toBe(11000);
    });
    await second.stop();
    expect(await gone(second.pid, 30_000), `java pid ${second.pid} still alive after stop()`).toBe(true);
    // stop() is idempotent.
    await second.stop();
  });

  it('the JVM exits when the process that started it is killed (SIGKILL, no cleanup code runs)', async () => {
    const parent = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(packageRoot, 'test', 'fixtures', 'start-embedded.ts')],
      {
        cwd: packageRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    parent.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    parent.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<void>((resolve) => parent.once('exit', () => resolve()));
    try {
      const javaPid = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no STARTED line within 30 s:\n${output}`)), 30_000);
        parent.stdout.on('data', () => {
          const match = /^STARTED (\d+) /m.exec(output);
          if (match) {
            clearTimeout(timer);
            resolve(Number(match[1]));
          }
        });
      });
      expect(isAlive(javaPid)).toBe(true);
      parent.kill('SIGKILL');
      await exited;
      expect(await gone(javaPid, 30_000), `java pid ${javaPid} outlived its parent`).toBe(true);
    } finally {
      if (parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL');
    }
  });
});
