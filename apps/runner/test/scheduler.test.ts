import { nextCronTime } from '@weft/core';
import {
  archiveScenario,
  claimScheduleTick,
  connectDatabase,
  createQueue,
  createScenario,
  type Database,
  JOBS_COLLECTION,
  publishScenario,
  RUN_JOB,
  type RunDoc,
  saveDraft,
  setScenarioEnabled,
} from '@weft/db';
import { testDatabase } from '@weft/devdb/test-db';
import type { Agenda } from 'agenda';
import type { Types } from 'mongoose';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../src/execution/http-client.js';
import { parseAllowList } from '@weft/core/net';
import { Scheduler } from '../src/maintenance/scheduler.js';
import { startWorker, type Worker } from '../src/worker.js';
import { edge, eventually, keyring, node, type Seeded, seedWorkspace, useDatabase } from './fixtures/seed.js';

const ctx = useDatabase();
let other: Database;
let queue: Agenda;
let seeded: Seeded;
const logger = pino({ level: 'silent' });
const workers: Worker[] = [];

beforeAll(async () => {
  // A second connection pool to the same database: what a second runner process has.
  other = await connectDatabase(testDatabase().serverUri, { dbName: ctx.dbName, syncIndexes: false });
  queue = createQueue(ctx.db, { name: 'scheduler-test' });
  seeded = await seedWorkspace(ctx.db);
});
// Schedulers see the scenarios of every workspace: each test starts with none enabled.
afterEach(async () => {
  await ctx.db.models.Scenario.updateMany({}, { $set: { enabled: false } });
});
afterAll(async () => {
  for (const worker of workers) await worker.stop();
  await queue.stop(false);
  await other.close();
});

const at = (iso: string) => new Date(iso);

function graph(cron: string, timezone = 'UTC', message = 'tick {{ trigger.scheduledFor }}') {
  return {
    nodes: [node('cron', 'trigger.schedule', { cron, timezone }), node('log', 'logger', { message })],
    edges: [edge('cron', 'log')],
  };
}

/** A published and enabled schedule scenario, as of `now`. */
async function scheduled(cron: string, timezone: string, now: Date, options: { enable?: boolean } = {}) {
  const scenario = await createScenario(ctx.db.models, seeded.workspaceId, {
    name: `every ${cron}`,
    draft: graph(cron, timezone),
  });
  const id = scenario._id.toHexString();
  const published = await publishScenario(ctx.db.models, seeded.workspaceId, id, { now });
  if (!published.ok) throw new Error('publish failed');
  if (options.enable ?? true) await setScenarioEnabled(ctx.db.models, seeded.workspaceId, id, true, now);
  return { id, _id: scenario._id, version: published.version };
}

async function republish(id: string, cron: string, timezone: string, now: Date, message: string) {
  const current = await ctx.db.models.Scenario.findById(id).lean().exec();
  const saved = await saveDraft(ctx.db.models, seeded.workspaceId, id, {
    revision: current!.revision,
    draft: graph(cron, timezone, message),
  });
  if (!saved.ok) throw new Error('save failed');
  const published = await publishScenario(ctx.db.models, seeded.workspaceId, id, { now });
  if (!published.ok) throw new Error('publish failed');
  return published.version;
}

const runsOf = (scenarioId: Types.ObjectId) =>
  ctx.db.models.Run.find({ scenarioId }).sort({ createdAt: 1, _id: 1 }).lean<RunDoc[]>().exec();
const scheduledFor = (runs: RunDoc[]) => runs.map((r) => (r.input as { scheduledFor: string }).scheduledFor);

function scheduler(db: Database = ctx.db) {
  return new Scheduler({ db, queue, logger }, { refreshEveryMs: 1_000 });
}

describe('scheduler', () => {
  it('fires on the minute: one run of the published version, input { firedAt, scheduledFor }, enqueued', async () => {
    const s = await scheduled('* * * * *', 'UTC', at('2030-01-01T09:00:30Z'));
    const sched = scheduler();
    expect((await sched.sweep(at('2030-01-01T09:00:59.999Z'))).fired).toHaveLength(0);
    const sweep = await sched.sweep(at('2030-01-01T09:01:00.004Z'));
    expect(sweep.fired).toHaveLength(1);
    expect(sweep.nextAt).toEqual(at('2030-01-01T09:02:00Z'));

    const [run] = await runsOf(s._id);
    expect(run).toMatchObject({
      status: 'queued',
      scenarioVersionId: s.version._id,
      version: 1,
      trigger: { kind: 'schedule', deliveryId: null, replayOf: null },
      input: { firedAt: '2030-01-01T09:01:00.004Z', scheduledFor: '2030-01-01T09:01:00.000Z' },
    });
    expect(run!.correlationId).toBe(run!._id.toHexString());
    const jobs = await ctx.db.connection
      .db!.collection(JOBS_COLLECTION)
      .find({ name: RUN_JOB, 'data.runId': run!._id.toHexString() })
      .toArray();
    expect(jobs).toHaveLength(1);
    // The same tick again: nothing.
    expect((await sched.sweep(at('2030-01-01T09:01:30Z'))).fired).toHaveLength(0);
    // A fresh scheduler (a restarted runner) knows from the database that the tick fired.
    expect((await scheduler().sweep(at('2030-01-01T09:01:40Z'))).fired).toHaveLength(0);
    expect(await runsOf(s._id)).toHaveLength(1);
  });

  it('reads the cron in the time zone: 09:00 Europe/Berlin across the spring DST change', async () => {
    // Berlin springs forward on 2030-03-31 (02:00 CET → 03:00 CEST).
    const s = await scheduled('0 9 * * *', 'Europe/Berlin', at('2030-03-29T12:00:00Z'));
    const sched = scheduler();
    const sweepAt = async (iso: string) =>
      (await sched.sweep(at(iso))).fired.map((f) => f.tickAt.toISOString());
    expect(await sweepAt('2030-03-30T07:59:59Z')).toEqual([]);
    expect(await sweepAt('2030-03-30T08:00:00Z')).toEqual(['2030-03-30T08:00:00.000Z']); // 09:00 CET
    expect(await sweepAt('2030-03-31T06:59:59Z')).toEqual([]);
    expect(await sweepAt('2030-03-31T07:00:00Z')).toEqual(['2030-03-31T07:00:00.000Z']); // 09:00 CEST
    expect(await sweepAt('2030-03-31T08:00:00Z')).toEqual([]);
    expect(scheduledFor(await runsOf(s._id))).toEqual([
      '2030-03-30T08:00:00.000Z',
      '2030-03-31T07:00:00.000Z',
    ]);
  });

  it('two runners sweeping at the same moments fire every tick exactly once', async () => {
    const s = await scheduled('*/5 * * * *', 'UTC', at('2030-02-01T00:00:00Z'));
    const a = scheduler(ctx.db);
    const b = scheduler(other);
    let firedByA = 0;
    let firedByB = 0;
    for (let i = 1; i <= 12; i++) {
      const now = new Date(Date.parse('2030-02-01T00:00:00Z') + i * 5 * 60_000 + (i % 3));
      const [ra, rb] = await Promise.all([a.sweep(now), b.sweep(now)]);
      firedByA += ra.fired.length;
      firedByB += rb.fired.length;
      expect(ra.fired.length + rb.fired.length).toBe(1);
    }
    expect(firedByA + firedByB).toBe(12);
    const runs = await runsOf(s._id);
    expect(runs).toHaveLength(12);
    expect(new Set(scheduledFor(runs)).size).toBe(12);
  });

  it('disabled, unpublished and archived scenarios do not fire; enabling does not catch up', async () => {
    const start = at('2030-04-01T00:00:00Z');
    const disabled = await scheduled('* * * * *', 'UTC', start, { enable: false });
    const archived = await scheduled('* * * * *', 'UTC', start);
    await archiveScenario(ctx.db.models, seeded.workspaceId, archived.id, start);
    const unpublished = await createScenario(ctx.db.models, seeded.workspaceId, {
      name: 'draft only',
      draft: graph('* * * * *'),
    });
    await setScenarioEnabled(ctx.db.models, seeded.workspaceId, unpublished._id.toHexString(), true, start);
    const live = await scheduled('* * * * *', 'UTC', start);

    const sched = scheduler();
    await sched.sweep(at('2030-04-01T00:05:00Z'));
    expect(await runsOf(disabled._id)).toHaveLength(0);
    expect(await runsOf(archived._id)).toHaveLength(0);
    expect(await runsOf(unpublished._id)).toHaveLength(0);
    expect(scheduledFor(await runsOf(live._id))).toEqual(['2030-04-01T00:05:00.000Z']);

    // Disabling stops it at once; enabling later starts from then, without the ticks in between.
    await setScenarioEnabled(ctx.db.models, seeded.workspaceId, live.id, false, at('2030-04-01T00:05:30Z'));
    await sched.sweep(at('2030-04-01T00:08:00Z'));
    await setScenarioEnabled(ctx.db.models, seeded.workspaceId, live.id, true, at('2030-04-01T00:10:30Z'));
    await sched.sweep(at('2030-04-01T00:10:45Z'));
    await sched.sweep(at('2030-04-01T00:11:00Z'));
    expect(scheduledFor(await runsOf(live._id))).toEqual([
      '2030-04-01T00:05:00.000Z',
      '2030-04-01T00:11:00.000Z',
    ]);
  });

  it('publishing a new version changes what fires: the version, and a new cron from its publication on', async () => {
    const s = await scheduled('0 * * * *', 'UTC', at('2030-05-01T00:00:00Z'));
    const sched = scheduler();
    await sched.sweep(at('2030-05-01T01:00:00Z'));
    const v2 = await republish(s.id, '0 * * * *', 'UTC', at('2030-05-01T01:10:00Z'), 'version two');
    await sched.sweep(at('2030-05-01T02:00:00Z'));
    // v3 moves to half past; published at 02:40, so 02:30 is not caught up.
    const v3 = await republish(s.id, '30 * * * *', 'UTC', at('2030-05-01T02:40:00Z'), 'version three');
    await sched.sweep(at('2030-05-01T03:00:00Z'));
    await sched.sweep(at('2030-05-01T03:30:00Z'));

    const runs = await runsOf(s._id);
    expect(runs.map((r) => [(r.input as { scheduledFor: string }).scheduledFor, r.version])).toEqual([
      ['2030-05-01T01:00:00.000Z', 1],
      ['2030-05-01T02:00:00.000Z', 2],
      ['2030-05-01T03:30:00.000Z', 3],
    ]);
    expect(runs[1]!.scenarioVersionId).toEqual(v2._id);
    expect(runs[2]!.scenarioVersionId).toEqual(v3._id);
  });

  it('after downtime fires only the latest missed tick, once', async () => {
    const s = await scheduled('0 * * * *', 'UTC', at('2030-06-01T00:30:00Z'));
    const first = scheduler();
    await first.sweep(at('2030-06-01T01:00:00Z'));
    // Every runner down from 01:00 to 05:20; a new one starts.
    const restarted = scheduler(other);
    const sweep = await restarted.sweep(at('2030-06-01T05:20:00Z'));
    expect(sweep.fired.map((f) => f.tickAt)).toEqual([at('2030-06-01T05:00:00Z')]);
    expect(sweep.nextAt).toEqual(at('2030-06-01T06:00:00Z'));
    await restarted.sweep(at('2030-06-01T05:21:00Z'));
    expect(scheduledFor(await runsOf(s._id))).toEqual([
      '2030-06-01T01:00:00.000Z',
      '2030-06-01T05:00:00.000Z',
    ]);
    const late = (await runsOf(s._id))[1]!.input as { firedAt: string };
    expect(late.firedAt).toBe('2030-06-01T05:20:00.000Z');
  });

  it('repairs a tick whose runner died between the claim and the run: same run id, enqueued once', async () => {
    const s = await scheduled('0 0 * * *', 'UTC', at('2030-07-01T00:00:00Z'));
    const tickAt = at('2030-07-02T00:00:00Z');
    // A runner claimed the tick and died before creating the run.
    const claim = await claimScheduleTick(ctx.db.models, {
      workspaceId: seeded.workspaceId,
      scenarioId: s._id,
      scenarioVersionId: s.version._id,
      tickAt,
      firedAt: new Date(Date.now() - 60_000),
    });
    if (!claim.claimed) throw new Error('expected the claim');
    // Others see the tick taken (no second run), and repair it.
    const sweep = await scheduler().sweep(at('2030-07-02T00:00:10Z'));
    expect(sweep.fired).toHaveLength(0);
    expect(sweep.alreadyFired).toBe(1);
    expect(sweep.repaired).toBeGreaterThanOrEqual(1);
    const runs = await runsOf(s._id);
    expect(runs.map((r) => r._id)).toEqual([claim.tick.runId]);
    expect(scheduledFor(runs)).toEqual(['2030-07-02T00:00:00.000Z']);
    const tick = await ctx.db.models.ScheduleTick.findById(claim.tick._id).lean();
    expect(tick?.dispatchedAt).toBeInstanceOf(Date);
  });

  it('an unusable time zone is skipped with a warning, the others still fire', async () => {
    const bad = await scheduled('* * * * *', 'UTC', at('2030-08-01T00:00:00Z'));
    await ctx.db.models.Scenario.updateOne(
      { _id: bad._id },
      { $set: { 'publishedTrigger.timezone': 'Mars/Olympus' } },
    );
    const good = await scheduled('* * * * *', 'UTC', at('2030-08-01T00:00:00Z'));
    await scheduler().sweep(at('2030-08-01T00:01:00Z'));
    expect(await runsOf(bad._id)).toHaveLength(0);
    expect(await runsOf(good._id)).toHaveLength(1);
  });

  it('two workers on real timers fire the tick by its timer, once, and the run executes', async () => {
    // The scenario's clock is shifted so that its next minute starts 1.5 s from now.
    const real = Date.now();
    const minute = Math.ceil((real + 60_000) / 60_000) * 60_000;
    const offset = minute - (real + 1_500);
    const clock = () => new Date(Date.now() + offset);
    const s = await scheduled('* * * * *', 'UTC', clock());
    expect(nextCronTime('* * * * *', 'UTC', clock())?.getTime()).toBe(minute);

    const http = createHttpClient({ allowList: parseAllowList('127.0.0.1') });
    for (const [i, db] of [ctx.db, other].entries()) {
      workers.push(
        await startWorker(
          { db, keyring, http, logger, owner: `scheduling-worker-${i}` },
          {
            concurrency: 2,
            processEveryMs: 200,
            leaseMs: 10_000,
            shutdownGraceMs: 1_000,
            sweep: false,
            // The refresh is a minute away: only the timer armed for the tick can fire it soon.
            schedules: { refreshEveryMs: 60_000, clock },
          },
        ),
      );
    }
    const run = await eventually(
      async () => (await runsOf(s._id)).find((r) => r.status === 'succeeded'),
      30_000,
      async () => JSON.stringify(await runsOf(s._id)),
    );
    const input = run.input as { firedAt: string; scheduledFor: string };
    expect(Date.parse(input.scheduledFor)).toBe(minute);
    const lateMs = Date.parse(input.firedAt) - minute;
    console.info(`schedule tick fired ${lateMs} ms after its minute (two workers, real timers)`);
    // Never early; and well before the next refresh, so the tick's own timer fired it.
    expect(lateMs).toBeGreaterThanOrEqual(0);
    expect(lateMs).toBeLessThan(30_000);
    // Both workers keep sweeping; still one run for that tick.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const runs = (await runsOf(s._id)).filter(
      (r) => (r.input as { scheduledFor: string }).scheduledFor === input.scheduledFor,
    );
    expect(runs).toHaveLength(1);
    for (const worker of workers.splice(0)) await worker.stop();
  });
});
