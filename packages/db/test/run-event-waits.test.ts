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
  openEventWaitKeys,
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

  it('reads the key expressions of many apps’ open event waits at once, without resolved ones', async () => {
    const first = appId;
    const r1 = await run();
    const r2 = await run();
    const r3 = await run();
    await open(r1, '1', 'body.order');
    await open(r2, '2', 'body.ref');
    await open(r3, '3', 'body.order');
    appId = newObjectId();
    const second = appId;
    await deliver({ gone: 4 });
    const resolved = await open(await run(), '4', 'body.gone');
    const [candidate] = await listWaitCandidates(ctx.db.models, resolved._id);
    expect((await acceptWaitEvent(ctx.db.models, resolved._id, candidate!.event)).resolvedAt).not.toBeNull();
    const r5 = await run();
    await open(r5, '5', 'headers.x-order');
    const none = newObjectId();

    const keys = await openEventWaitKeys(ctx.db.models, [first, second, none]);
    expect([...keys.keys()]).toEqual([first.toHexString(), second.toHexString(), none.toHexString()]);
    expect(keys.get(first.toHexString())?.sort()).toEqual(['body.order', 'body.ref']);
    expect(keys.get(second.toHexString())).toEqual(['headers.x-order']);
    expect(keys.get(none.toHexString())).toEqual([]);
    // Given them, the offer reads no waits' keys of its own and finds the same waits.
    const { queue } = recordingQueue();
    const delivery = await deliver({ order: 3 }, new Date(), first);
    expect(await offerDeliveryToWaits(ctx.db.models, queue, delivery, keys.get(first.toHexString()))).toBe(1);
  });
});
