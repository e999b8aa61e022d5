import type { Agenda } from 'agenda';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  acceptWaitEvent,
  claimRun,
  createRuns,
  dismissWaitCandidates,
  listWaitCandidates,
  newObjectId,
  offerDeliveryToWaits,
  openRunWait,
  releaseRun,
  resolveRunWait,
  type RunDoc,
  runWaitsToResume,
  type WebhookDeliveryDoc,
} from '../src/index.js';
import { useDatabase } from './setup.js';

const ctx = useDatabase();
const workspaceId = newObjectId();
let appId = newObjectId();
const HOUR = 3_600_000;

async function run(): Promise<RunDoc> {
  const [id] = await createRuns(ctx.db.models, [
    {
      workspaceId,
      scenarioId: newObjectId(),
      scenarioVersionId: newObjectId(),
      version: 1,
      trigger: { kind: 'manual' },
      correlationId: 'corr-event',
      input: null,
      nodes: [{ id: 'paid', type: 'wait.event' }],
    },
  ]);
  return (await ctx.db.models.Run.findById(id).lean<RunDoc>())!;
}

async function deliver(body: unknown, receivedAt = new Date(), app = appId): Promise<WebhookDeliveryDoc> {
  const deliveryId = `d-${newObjectId().toHexString()}`;
  const doc = {
    _id: newObjectId(),
    workspaceId,
    appId: app,
    deliveryId,
    deliveryIdSource: 'idempotency_key' as const,
    dedupeKey: deliveryId,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    contentType: 'application/json',
    body: JSON.stringify(body),
    bodyEncoding: 'utf8' as const,
    sizeBytes: 10,
    receivedAt,
    runIds: [],
    plannedRuns: [],
    dispatchedAt: null,
  };
  await ctx.db.models.WebhookDelivery.collection.insertOne(doc);
  return doc;
}

function recordingQueue() {
  const jobs: unknown[] = [];
  const queue = { now: async (_name: string, data: unknown) => void jobs.push(data) } as unknown as Agenda;
  return { queue, jobs };
}

const event = (key: string, deliveryKey = 'body.order') => ({
  appId,
  correlationKey: key,
  deliveryKey,
  lookBackMs: 60_000,
});
const open = (r: RunDoc, key: string, deliveryKey?: string) =>
  openRunWait(ctx.db.models, {
    run: r,
    nodeId: 'paid',
    kind: 'event',
    expiresAt: new Date(Date.now() + HOUR),
    event: event(key, deliveryKey),
  });

describe('event waits', () => {
  // Each test waits on an app of its own: earlier tests' deliveries are in every look-back window.
  beforeEach(() => {
    appId = newObjectId();
  });

  it('a new wait is offered its app’s deliveries of the look-back window, once', async () => {
    const old = await deliver({ order: 1 }, new Date(Date.now() - 10 * 60_000));
    const recent = await deliver({ order: 1 }, new Date(Date.now() - 30_000));
    const otherApp = await deliver({ order: 1 }, new Date(), newObjectId());
    const r = await run();
    const wait = await open(r, '1');
    expect(wait.lookedBack).toBe(true);
    const ids = wait.candidates!.map((id) => id.toHexString());
    expect(ids).toContain(recent._id.toHexString());
    expect(ids).not.toContain(old._id.toHexString());
    expect(ids).not.toContain(otherApp._id.toHexString());
    const candidates = await listWaitCandidates(ctx.db.models, wait._id);
    expect(candidates.find((c) => c.id.equals(recent._id))?.event).toMatchObject({
      deliveryId: recent.deliveryId,
      body: { order: 1 },
    });
    await dismissWaitCandidates(
      ctx.db.models,
      wait._id,
      candidates.map((c) => c.id),
    );
    expect(await listWaitCandidates(ctx.db.models, wait._id)).toEqual([]);
    // Opened again (a resume): the window is not offered twice.
    expect((await open(r, '1')).candidates).toEqual([]);
  });

  it('a delivery is offered by index to the waits whose key it carries and wakes their runs', async () => {
    const { queue, jobs } = recordingQueue();
    const r1 = await run();
    const r2 = await run();
    const r3 = await run();
    for (const r of [r1, r2, r3]) {
      await claimRun(ctx.db.models, r._id, { owner: 'w', leaseMs: 30_000 });
    }
    await open(r1, '77');
    await open(r2, '88');
    await open(r3, '77', 'body.ref');
    for (const r of [r1, r2, r3]) {
      await releaseRun(ctx.db.models, r._id, 'w', {
        status: 'waiting',
        resumeAt: new Date(Date.now() + HOUR),
      });
    }
    const delivery = await deliver({ order: 77, ref: 'x' });
    expect(await offerDeliveryToWaits(ctx.db.models, queue, delivery)).toBe(1);
    expect(jobs).toEqual([{ runId: r1._id.toHexString() }]);
    expect(
      (await listWaitCandidates(ctx.db.models, `${r1._id.toHexString()}:paid`)).map((c) =>
        c.id.toHexString(),
      ),
    ).toContain(delivery._id.toHexString());
    expect(await listWaitCandidates(ctx.db.models, `${r2._id.toHexString()}:paid`)).toEqual([]);
    expect(await runWaitsToResume(ctx.db.models, r1._id)).toEqual([]);
    // Offered again (the sweep repeating an interrupted delivery): still one candidate.
    await offerDeliveryToWaits(ctx.db.models, queue, delivery);
    const after = await listWaitCandidates(ctx.db.models, `${r1._id.toHexString()}:paid`);
    expect(after.filter((c) => c.id.equals(delivery._id))).toHaveLength(1);
    // A body the key expression cannot read offers nothing.
    expect(await offerDeliveryToWaits(ctx.db.models, queue, await deliver('text'))).toBe(0);
  });

  it('is accepted once; is not an approval; a resolved wait takes no more offers', async () => {
    const { queue } = recordingQueue();
    const r = await run();
    const first = await deliver({ order: 5, n: 1 });
    const second = await deliver({ order: 5, n: 2 });
    const wait = await open(r, '5');
    const [a, b] = await listWaitCandidates(ctx.db.models, wait._id);
    const [wonA, wonB] = await Promise.all([
      acceptWaitEvent(ctx.db.models, wait._id, a!.event),
      acceptWaitEvent(ctx.db.models, wait._id, b!.event),
    ]);
    expect(wonA.resolution).toEqual(wonB.resolution);
    expect(wonA.resolution?.by).toMatch(/^delivery d-/);
    expect([first.deliveryId, second.deliveryId]).toContain(
      (wonA.resolution!.data as { deliveryId: string }).deliveryId,
    );
    const decided = await resolveRunWait(ctx.db.models, {
      workspaceId,
      runId: r._id,
      nodeId: 'paid',
      decision: 'approved',
      by: 'x',
      data: null,
    });
    expect(decided).toMatchObject({
      ok: false,
      code: 'not_found',
      message: 'node "paid" waits for an event, not for an approval: it cannot be decided',
    });
    expect(await offerDeliveryToWaits(ctx.db.models, queue, await deliver({ order: 5 }))).toBe(0);
  });
});
