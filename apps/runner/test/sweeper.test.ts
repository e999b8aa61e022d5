import {
  claimRun,
  createQueue,
  createRuns,
  insertDeliveryOnce,
  JOBS_COLLECTION,
  newObjectId,
  RUN_JOB,
  type RunDoc,
  setScenarioEnabled,
  toObjectId,
} from '@weft/db';
import type { Agenda } from 'agenda';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepOnce } from '../src/maintenance/sweeper.js';
import {
  edge,
  node,
  publish,
  queueRuns,
  runOf,
  type Seeded,
  seedWorkspace,
  useDatabase,
} from './fixtures/seed.js';

const ctx = useDatabase();
let queue: Agenda;
let seeded: Seeded;
const logger = pino({ level: 'silent' });
const AFTER_MS = 30_000;
const LOCK_MS = 10_000;

beforeAll(async () => {
  queue = createQueue(ctx.db, { name: 'sweeper-test' });
  seeded = await seedWorkspace(ctx.db);
});
afterAll(async () => {
  await queue.stop(false);
});

const jobs = () => ctx.db.connection.db!.collection(JOBS_COLLECTION);
const jobsOf = (runId: string) => jobs().find({ name: RUN_JOB, 'data.runId': runId }).toArray();
const sweep = () =>
  sweepOnce({ db: ctx.db, queue, logger }, { afterMs: AFTER_MS, jobLockLifetimeMs: LOCK_MS });
const ago = (ms: number) => new Date(Date.now() - ms);

async function webhookScenario(filter?: string, enabled = true, owner: Seeded = seeded) {
  const version = await publish(
    ctx.db,
    owner.workspaceId,
    [
      node('hook', 'trigger.webhook', { appId: owner.appId.toHexString(), ...(filter ? { filter } : {}) }),
      node('log', 'logger', { message: 'got {{ trigger.body.type }}' }),
    ],
    [edge('hook', 'log')],
  );
  if (enabled)
    await setScenarioEnabled(ctx.db.models, owner.workspaceId, version.scenarioId.toHexString(), true);
  return version;
}

async function delivery(
  runIds: ReturnType<typeof newObjectId>[],
  receivedAt: Date,
  body = { type: 'order.created' },
  owner: Seeded = seeded,
  plannedRuns: {
    runId: ReturnType<typeof newObjectId>;
    scenarioVersionId: ReturnType<typeof newObjectId>;
  }[] = [],
) {
  const result = await insertDeliveryOnce(ctx.db.models, {
    workspaceId: owner.workspaceId,
    appId: owner.appId,
    deliveryId: `dlv-${newObjectId().toHexString()}`,
    deliveryIdSource: 'scheme',
    method: 'POST',
    headers: { 'content-type': 'application/json', 'webhook-id': 'x' },
    contentType: 'application/json',
    body: JSON.stringify(body),
    bodyEncoding: 'utf8',
    sizeBytes: 10,
    receivedAt,
    runIds,
    plannedRuns,
  });
  return result.delivery;
}

describe('sweeper', () => {
  it('dispatches an interrupted delivery whose runs exist: a job each, then marked dispatched', async () => {
    const version = await webhookScenario();
    const [a, b] = await queueRuns(ctx.db, version, 2);
    // b already has its job (the api crashed after enqueueing it, before marking the delivery).
    await queue.now(RUN_JOB, { runId: b });
    const stored = await delivery([toObjectId(a!), toObjectId(b!)], ago(60_000));

    const report = await sweep();
    expect(report.deliveriesDispatched).toBeGreaterThanOrEqual(1);
    expect(await jobsOf(a!)).toHaveLength(1);
    expect(await jobsOf(b!)).toHaveLength(1);
    const after = await ctx.db.models.WebhookDelivery.findById(stored._id).lean();
    expect(after?.dispatchedAt).toBeInstanceOf(Date);
  });

  it('recreates the runs of a delivery interrupted before they were created, from its planned runs', async () => {
    const app = await seedWorkspace(ctx.db);
    const first = await webhookScenario(undefined, true, app);
    const second = await webhookScenario('body.type = "order.created"', true, app);
    const [existing] = await queueRuns(ctx.db, first);
    const missing = newObjectId();
    const unplanned = newObjectId();
    const stored = await delivery(
      [toObjectId(existing!), missing, unplanned],
      ago(60_000),
      { type: 'order.created' },
      app,
      [
        { runId: toObjectId(existing!), scenarioVersionId: first._id },
        { runId: missing, scenarioVersionId: second._id },
      ],
    );

    const report = await sweep();
    expect(report.runsCreated).toBeGreaterThanOrEqual(1);
    const run = await runOf(ctx.db, missing.toHexString());
    expect(run.scenarioId.toHexString()).toBe(second.scenarioId.toHexString());
    expect(run.scenarioVersionId.toHexString()).toBe(second._id.toHexString());
    expect(run.trigger.deliveryId?.toHexString()).toBe(stored._id.toHexString());
    expect(run).toMatchObject({
      status: 'queued',
      trigger: { kind: 'webhook' },
      correlationId: stored.deliveryId,
      input: { body: { type: 'order.created' }, deliveryId: stored.deliveryId, headers: stored.headers },
    });
    expect(run.steps.map((s) => s.nodeId)).toEqual(['hook', 'log']);
    expect(await jobsOf(missing.toHexString())).toHaveLength(1);
    expect(await jobsOf(existing!)).toHaveLength(1);
    // An id the api planned nothing for gets no run (it is logged).
    expect(await ctx.db.models.Run.countDocuments({ _id: unplanned })).toBe(0);
    expect((await ctx.db.models.WebhookDelivery.findById(stored._id).lean())?.dispatchedAt).toBeInstanceOf(
      Date,
    );

    // A second sweep finds nothing more to do for it.
    await sweep();
    expect(await jobsOf(missing.toHexString())).toHaveLength(1);
  });

  it('leaves a fresh delivery alone: the api is still dispatching it', async () => {
    const stored = await delivery([newObjectId()], ago(1_000));
    await sweep();
    expect((await ctx.db.models.WebhookDelivery.findById(stored._id).lean())?.dispatchedAt).toBeNull();
  });

  it('gives stale queued runs without a live job a job; leaves the others', async () => {
    const version = await webhookScenario();
    const old = new Date(Date.now() - 120_000);
    const ids = await createRuns(
      ctx.db.models,
      Array.from({ length: 4 }, () => ({
        workspaceId: version.workspaceId,
        scenarioId: version.scenarioId,
        scenarioVersionId: version._id,
        version: version.version,
        trigger: { kind: 'manual' as const },
        correlationId: 'c',
        input: null,
        nodes: version.nodes.map((n) => ({ id: n.id, type: n.type })),
      })),
      old,
    );
    const [orphan, pending, leftover, held] = ids.map((id) => id.toHexString());
    await queue.now(RUN_JOB, { runId: pending });
    // What Agenda leaves of a finished or failed job: no nextRunAt, no lock. It does not count.
    await jobs().insertOne({ name: RUN_JOB, data: { runId: leftover }, nextRunAt: null, lockedAt: null });
    // A job a live runner holds.
    await jobs().insertOne({ name: RUN_JOB, data: { runId: held }, nextRunAt: null, lockedAt: new Date() });
    const [fresh] = await queueRuns(ctx.db, version);

    await sweep();
    expect(await jobsOf(orphan!)).toHaveLength(1);
    expect(await jobsOf(pending!)).toHaveLength(1);
    expect((await jobsOf(leftover!)).filter((j) => j.nextRunAt !== null)).toHaveLength(1);
    expect(await jobsOf(held!)).toHaveLength(1);
    expect(await jobsOf(fresh!)).toHaveLength(0);
  });

  it('gives overdue waiting runs and runs whose lease expired a job; not a run under a live lease', async () => {
    const version = await webhookScenario();
    const [overdue, dueLater, expired, live] = await queueRuns(ctx.db, version, 4);
    const { Run } = ctx.db.models;
    await Run.updateOne(
      { _id: toObjectId(overdue!) },
      { $set: { status: 'waiting', resumeAt: ago(60_000) } },
    );
    await Run.updateOne(
      { _id: toObjectId(dueLater!) },
      { $set: { status: 'waiting', resumeAt: new Date(Date.now() + 60_000) } },
    );
    await claimRun(ctx.db.models, expired!, { owner: 'dead-runner', leaseMs: 1_000, now: ago(5_000) });
    await claimRun(ctx.db.models, live!, { owner: 'live-runner', leaseMs: 60_000 });
    // The dead runner's job: locked longer ago than the lock lifetime.
    await jobs().insertOne({
      name: RUN_JOB,
      data: { runId: expired },
      nextRunAt: null,
      lockedAt: ago(LOCK_MS + 1_000),
    });

    await sweep();
    expect(await jobsOf(overdue!)).toHaveLength(1);
    expect(await jobsOf(dueLater!)).toHaveLength(0);
    expect((await jobsOf(expired!)).filter((j) => j.nextRunAt !== null)).toHaveLength(1);
    expect(await jobsOf(live!)).toHaveLength(0);
    const stillLive: RunDoc = await runOf(ctx.db, live!);
    expect(stillLive.leaseOwner).toBe('live-runner');
  });
});

describe('sweeper: a delivery that cannot be repaired', () => {
  it('fails on its own: the deliveries after it and the later repairs go on; after the allowed attempts it is quarantined', async () => {
    const owner = await seedWorkspace(ctx.db);
    const version = await webhookScenario(undefined, true, owner);
    // Oldest first: the bad delivery is taken before the good one. Its plan names a version by
    // something that is not an id, so recreating its run throws.
    const missingRun = newObjectId();
    const poison = await delivery([missingRun], ago(3_600_000), { type: 'poison' }, owner, [
      { runId: missingRun, scenarioVersionId: 'not-an-object-id' as unknown as ReturnType<typeof newObjectId> },
    ]);
    const [goodRun] = await queueRuns(ctx.db, version);
    const good = await delivery([toObjectId(goodRun!)], ago(60_000), { type: 'good' }, owner);
    // A queued run with no job, for the repairs after the deliveries.
    const [stray] = await queueRuns(ctx.db, version);
    await ctx.db.models.Run.collection.updateOne({ _id: toObjectId(stray!) }, { $set: { updatedAt: ago(60_000) } });

    const options = { afterMs: AFTER_MS, jobLockLifetimeMs: LOCK_MS, deliveryRepairAttempts: 2 };
    const first = await sweepOnce({ db: ctx.db, queue, logger }, options);
    expect(first.deliveryRepairsFailed).toBeGreaterThanOrEqual(1);
    expect(first.deliveriesQuarantined).toBe(0);
    expect((await ctx.db.models.WebhookDelivery.findById(good._id).lean())?.dispatchedAt).toBeInstanceOf(Date);
    expect(await jobsOf(goodRun!)).toHaveLength(1);
    expect(await jobsOf(stray!)).toHaveLength(1);
    let stored = await ctx.db.models.WebhookDelivery.findById(poison._id).lean();
    expect(stored).toMatchObject({ dispatchedAt: null, repairAttempts: 1 });
    expect(stored?.quarantinedAt ?? null).toBeNull();
    expect(stored?.repairError).toEqual(expect.any(String));

    const second = await sweepOnce({ db: ctx.db, queue, logger }, options);
    expect(second.deliveriesQuarantined).toBeGreaterThanOrEqual(1);
    stored = await ctx.db.models.WebhookDelivery.findById(poison._id).lean();
    expect(stored).toMatchObject({ dispatchedAt: null, repairAttempts: 2 });
    expect(stored?.quarantinedAt).toBeInstanceOf(Date);

    // Quarantined, it is no longer taken.
    await sweepOnce({ db: ctx.db, queue, logger }, options);
    expect((await ctx.db.models.WebhookDelivery.findById(poison._id).lean())?.repairAttempts).toBe(2);
  });
});
