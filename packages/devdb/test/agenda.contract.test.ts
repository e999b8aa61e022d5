import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { MongoBackend } from '@agendajs/mongo-backend';
import { Agenda } from 'agenda';
import { type Db, MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testDatabase } from '../src/test-db.js';
import { isMongoJavaServer } from './fixtures/server-kind.js';

/**
 * Weft's runner is Agenda 6 on @agendajs/mongo-backend, scaled by starting more processes.
 * These tests run real workers in separate OS processes (test/fixtures/agenda-worker.ts) and
 * count side effects in the database, not log lines.
 */

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const workerScript = path.join(packageRoot, 'test', 'fixtures', 'agenda-worker.ts');

interface Worker {
  readonly name: string;
  readonly child: ChildProcess;
  output(): string;
  /** SIGTERM, then wait for the exit (SIGKILL after `timeoutMs`); resolves with the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
}

function startWorker(
  db: { serverUri: string; dbName: string },
  name: string,
  settings: Record<string, string>,
): Promise<Worker> {
  const child = spawn(process.execPath, ['--import', 'tsx', workerScript], {
    cwd: packageRoot,
    env: { ...process.env, WORKER_URI: db.serverUri, WORKER_DB: db.dbName, WORKER_NAME: name, ...settings },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const worker: Worker = {
    name,
    child,
    output: () => output,
    async stop(timeoutMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker ${name} did not report READY within 30 s:\n${output}`));
    }, 30_000);
    const onData = () => {
      if (/^READY$/m.test(output)) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve(worker);
      }
    };
    child.stdout.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`worker ${name} exited with ${code} before READY:\n${output}`));
    });
  });
}

/** Polls `probe` until it returns true, or throws after `timeoutMs` with `describe()`. */
async function eventually(probe: () => Promise<boolean>, timeoutMs: number, describe: () => Promise<string>) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await sleep(50);
  }
  throw new Error(`not within ${timeoutMs} ms: ${await describe()}`);
}

/** An Agenda that only enqueues (never started), as Weft's api does. */
async function producerFor(db: Db): Promise<Agenda> {
  const producer = new Agenda({ backend: new MongoBackend({ mongo: db, collection: 'agendaJobs' }) });
  await producer.ready;
  return producer;
}

describe('contract: Agenda across two worker processes', () => {
  const JOBS = 500;
  const db = testDatabase();
  const client = new MongoClient(db.serverUri);
  const workers: Worker[] = [];

  beforeAll(() => client.connect());
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await client.close();
  });

  it(`${JOBS} jobs enqueued by a third process are each executed exactly once, by both workers`, async () => {
    const database = client.db(db.dbName);
    const effects = database.collection<{ jobKey: string; worker: string }>('effects');
    const counters = database.collection<{ _id: string; runs: number; workers: string[] }>('counters');
    await effects.createIndex({ jobKey: 1 }, { unique: true });

    // Each worker locks at most 10 jobs per 100 ms scan and runs 5 at a time, 5 ms each: neither
    // can drain the queue alone between the other's scans, so both get work.
    const settings = {
      WORKER_PROCESS_EVERY_MS: '100',
      WORKER_LOCK_LIMIT: '10',
      WORKER_CONCURRENCY: '5',
      WORKER_JOB_MS: '5',
    };
    workers.push(
      ...(await Promise.all(['worker-a', 'worker-b'].map((name) => startWorker(db, name, settings)))),
    );

    const producer = await producerFor(database);
    const keys = Array.from({ length: JOBS }, (_, i) => `job-${String(i).padStart(3, '0')}`);
    for (let i = 0; i < keys.length; i += 25) {
      await Promise.all(keys.slice(i, i + 25).map((key) => producer.now('effect', { key })));
    }
    expect(await database.collection('agendaJobs').countDocuments({ name: 'effect' })).toBe(JOBS);

    await eventually(
      async () => (await effects.countDocuments()) >= JOBS,
      45_000,
      async () =>
        `${await effects.countDocuments()} of ${JOBS} effects\n${workers.map((w) => `--- ${w.name}\n${w.output()}`).join('\n')}`,
    );
    // Several more scan intervals in which a second execution of any job would show up.
    await sleep(1_000);
    const exitCodes = await Promise.all(workers.map((w) => w.stop()));
    expect(exitCodes, workers.map((w) => w.output()).join('\n')).toEqual([0, 0]);

    const counterDocs = await counters.find().toArray();
    expect(counterDocs).toHaveLength(JOBS);
    const notOnce = counterDocs.filter((c) => c.runs !== 1);
    expect(notOnce, 'jobs whose side effect ran other than exactly once').toEqual([]);
    expect(new Set(counterDocs.map((c) => c._id))).toEqual(new Set(keys));
    expect(await effects.countDocuments()).toBe(JOBS);

    const perWorker = await effects
      .aggregate<{ _id: string; n: number }>([{ $group: { _id: '$worker', n: { $sum: 1 } } }])
      .toArray();
    const byName = Object.fromEntries(perWorker.map((w) => [w._id, w.n]));
    expect(Object.keys(byName).sort()).toEqual(['worker-a', 'worker-b']);
    expect(byName['worker-a']! + byName['worker-b']!).toBe(JOBS);
    expect(byName['worker-a']).toBeGreaterThan(0);
    expect(byName['worker-b']).toBeGreaterThan(0);
    console.info(`agenda contract: jobs per worker ${JSON.stringify(byName)}`);

    // Agenda's own bookkeeping agrees: every job finished, none failed, none still locked.
    const jobs = await database.collection('agendaJobs').find({ name: 'effect' }).toArray();
    expect(jobs.filter((j) => !j.lastFinishedAt || j.failedAt || j.failCount || j.lockedAt)).toEqual([]);
    await producer.stop();
  });
});

const embedded = await isMongoJavaServer(inject('mongoUri'));

describe('contract: Agenda notification channel over change streams', () => {
  // processEvery is 2 min: after the scan at start-up the worker does not poll again within the
  // test, so a job that runs within PROMPT_MS (a liveness bound, not a speed claim) was started
  // by a change-stream notification.
  const PROCESS_EVERY_MS = 120_000;
  const PROMPT_MS = 10_000;
  const db = testDatabase('agenda_notify');
  const client = new MongoClient(db.serverUri);
  let worker: Worker | undefined;
  let producer: Agenda | undefined;

  beforeAll(async () => {
    await client.connect();
    await client.db(db.dbName).collection('effects').createIndex({ jobKey: 1 }, { unique: true });
    worker = await startWorker(db, 'notified', {
      WORKER_PROCESS_EVERY_MS: String(PROCESS_EVERY_MS),
      WORKER_LOCK_LIMIT: '10',
      WORKER_CONCURRENCY: '5',
      WORKER_NOTIFY: '1',
    });
    producer = await producerFor(client.db(db.dbName));
  });
  afterAll(async () => {
    await producer?.stop();
    await worker?.stop();
    await client.close();
  });

  /** Waits for the effect of `key`; returns ms from enqueue to the job's start, or throws. */
  async function latencyOf(key: string, enqueuedAt: number): Promise<number> {
    const effects = client.db(db.dbName).collection<{ jobKey: string; startedAt: Date }>('effects');
    await eventually(
      async () => (await effects.countDocuments({ jobKey: key })) === 1,
      PROMPT_MS,
      async () =>
        `job ${key} has not run (processEvery ${PROCESS_EVERY_MS} ms)\n--- worker\n${worker?.output()}`,
    );
    const effect = await effects.findOne({ jobKey: key });
    return effect!.startedAt.getTime() - enqueuedAt;
  }

  it('a job created with now() in another process runs long before the next poll (insert → change event)', async () => {
    const enqueuedAt = Date.now();
    await producer!.now('effect', { key: 'notify-now' });
    const latency = await latencyOf('notify-now', enqueuedAt);
    console.info(
      `agenda contract: now() job started ${latency} ms after enqueue (processEvery ${PROCESS_EVERY_MS} ms)`,
    );
    expect(latency).toBeLessThan(PROMPT_MS);
  });

  // A job keyed with unique() (how Weft keys a run's job by run id) is saved with
  // findOneAndUpdate(upsert). mongo-java-server 1.47.0 writes no oplog entry for findAndModify,
  // so its change stream stays silent and the job waits for the next poll. it.fails there.
  const uniqueTitle = embedded
    ? 'KNOWN GAP (embedded): a job saved with unique() (findOneAndUpdate upsert) gets no notification and waits for the poll'
    : 'a job saved with unique() (findOneAndUpdate upsert) also runs long before the next poll';
  it(uniqueTitle, async (context) => {
    const check = async () => {
      const enqueuedAt = Date.now();
      await producer!
        .create('effect', { key: 'notify-unique' })
        .unique({ 'data.key': 'notify-unique' })
        .save();
      const latency = await latencyOf('notify-unique', enqueuedAt);
      expect(latency).toBeLessThan(PROMPT_MS);
    };
    if (!embedded) return check();
    // Embedded: document the gap precisely — the job must NOT have run within PROMPT_MS.
    const error = await check().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message, 'the embedded server now notifies findAndModify upserts: strike the gap').toMatch(
      /job notify-unique has not run/,
    );
    context.annotate(`known gap on mongo-java-server: ${error!.message.split('\n')[0]}`);
  });
});
