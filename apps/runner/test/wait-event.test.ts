import { randomBytes } from 'node:crypto';
import {
  createApp,
  newObjectId,
  offerDeliveryToWaits,
  type RunWaitDoc,
  runWaitIdOf,
  type ScenarioVersionDoc,
  toObjectId,
  type WebhookDeliveryDoc,
} from '@weft/db';
import type { Types } from 'mongoose';
import { beforeAll, describe, expect, it } from 'vitest';
import { processRun } from '../src/execution/process-run.js';
import { sweepOnce } from '../src/maintenance/sweeper.js';
import { startWorker } from '../src/worker.js';
import { edge, eventually, keyring, node, publish, queueRuns, runOf, stepOf } from './fixtures/seed.js';
import { setUpRuns } from './fixtures/run-setup.js';

const { ctx, queue, seeded, workers, logger, deps } = await setUpRuns({
  name: 'event-test-enqueuer',
  owner: 'event-test-runner',
});
let appId: Types.ObjectId;
const HOUR = 3_600_000;

beforeAll(async () => {
  const app = await createApp(ctx.db.models, seeded.workspaceId, {
    key: `payments-${randomBytes(3).toString('hex')}`,
    name: 'Payments',
    signature: { scheme: 'generic' },
  });
  appId = app._id;
});

/** An order waits for its payment: a delivery of the payments app with its order id and status paid. */
function paymentScenario(timeoutMs = 24 * HOUR, lookBackMs = 60_000): Promise<ScenarioVersionDoc> {
  return publish(
    ctx.db,
    seeded.workspaceId,
    [
      node('start', 'trigger.manual', {}),
      node('paid', 'wait.event', {
        appId: appId.toHexString(),
        correlationKey: '{{ trigger.body.order }}',
        deliveryKey: 'body.orderId',
        match: 'delivery.body.status = "paid"',
        timeoutMs,
        lookBackMs,
      }),
      node('amount', 'transform', { expression: 'nodes.paid.event.body.amount' }),
    ],
    [edge('start', 'paid'), edge('paid', 'amount')],
  );
}

/** A delivery of the payments app as the api stores it. */
async function deliver(body: unknown, receivedAt = new Date()): Promise<WebhookDeliveryDoc> {
  const deliveryId = `pay-${randomBytes(4).toString('hex')}`;
  const doc = {
    _id: newObjectId(),
    workspaceId: seeded.workspaceId,
    appId,
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

const order = () => `o-${randomBytes(4).toString('hex')}`;
const waitOf = (runId: string) =>
  ctx.db.models.RunWait.findById(runWaitIdOf(toObjectId(runId), 'paid'))
    .lean<RunWaitDoc>()
    .exec();

describe('wait.event in the runner', () => {
  it('suspends with the key computed at its start; a non-matching delivery is dismissed, the matching one resumes it', async () => {
    const version = await paymentScenario();
    const id = order();
    const [runId] = await queueRuns(ctx.db, version, 1, { body: { order: id } });
    expect((await processRun(deps(), runId!)).status).toBe('waiting');
    expect(await waitOf(runId!)).toMatchObject({
      kind: 'event',
      correlationKey: id,
      deliveryKey: 'body.orderId',
      resolvedAt: null,
    });
    expect(stepOf(await runOf(ctx.db, runId!), 'paid')).toMatchObject({
      status: 'waiting',
      waitingFor: { waitId: `${runId}:paid` },
    });

    // Another order's payment reaches no wait; this order's pending payment is offered, then dismissed.
    expect(
      await offerDeliveryToWaits(ctx.db.models, queue, await deliver({ orderId: order(), status: 'paid' })),
    ).toBe(0);
    expect(
      await offerDeliveryToWaits(ctx.db.models, queue, await deliver({ orderId: id, status: 'pending' })),
    ).toBe(1);
    expect((await processRun(deps(), runId!)).status).toBe('waiting');
    expect((await waitOf(runId!))?.candidates).toEqual([]);

    const paid = await deliver({ orderId: id, status: 'paid', amount: 1_500 });
    expect(await offerDeliveryToWaits(ctx.db.models, queue, paid)).toBe(1);
    expect(await processRun(deps(), runId!)).toEqual({ status: 'succeeded' });
    const done = await runOf(ctx.db, runId!);
    expect(stepOf(done, 'paid').output).toEqual({
      timedOut: false,
      event: {
        deliveryId: paid.deliveryId,
        receivedAt: paid.receivedAt.toISOString(),
        headers: { 'content-type': 'application/json' },
        body: { orderId: id, status: 'paid', amount: 1_500 },
      },
    });
    expect(stepOf(done, 'amount').output).toBe(1_500);
  });

  it('a matching delivery that arrived shortly before the wait began is not lost', async () => {
    const version = await paymentScenario();
    const id = order();
    await deliver({ orderId: id, status: 'paid', amount: 7 }, new Date(Date.now() - 20_000));
    const [runId] = await queueRuns(ctx.db, version, 1, { body: { order: id } });
    expect(await processRun(deps(), runId!)).toEqual({ status: 'succeeded' });
    expect(stepOf(await runOf(ctx.db, runId!), 'amount').output).toBe(7);
  });

  it('one older than the look-back window does not count', async () => {
    const version = await paymentScenario(24 * HOUR, 1_000);
    const id = order();
    await deliver({ orderId: id, status: 'paid', amount: 7 }, new Date(Date.now() - 60_000));
    const [runId] = await queueRuns(ctx.db, version, 1, { body: { order: id } });
    expect((await processRun(deps(), runId!)).status).toBe('waiting');
  });

  it('an interrupted delivery is offered by the sweep', async () => {
    const version = await paymentScenario();
    const id = order();
    const [runId] = await queueRuns(ctx.db, version, 1, { body: { order: id } });
    await processRun(deps(), runId!);
    // The api died after storing the delivery, before offering it.
    await deliver({ orderId: id, status: 'paid', amount: 3 }, new Date(Date.now() - 120_000));
    const report = await sweepOnce(
      { db: ctx.db, queue, logger },
      { afterMs: 30_000, jobLockLifetimeMs: 10_000 },
    );
    expect(report.deliveriesDispatched).toBeGreaterThanOrEqual(1);
    expect(await processRun(deps(), runId!)).toEqual({ status: 'succeeded' });
    expect(stepOf(await runOf(ctx.db, runId!), 'amount').output).toBe(3);
  });

  it('times out: a worker resumes the run at the deadline with { timedOut: true, event: null }', async () => {
    const version = await paymentScenario(1_000);
    const worker = await startWorker(
      { db: ctx.db, keyring, http: deps().http, logger, owner: 'event-worker' },
      { concurrency: 2, processEveryMs: 200, leaseMs: 10_000, shutdownGraceMs: 1_000, sweep: false },
    );
    workers.push(worker);
    const [runId] = await queueRuns(ctx.db, version, 1, { body: { order: order() } });
    const done = await eventually(async () => {
      const run = await runOf(ctx.db, runId!);
      return run.status === 'succeeded' ? run : null;
    }, 30_000);
    expect(stepOf(done, 'paid').output).toEqual({ timedOut: true, event: null });
    for (const w of workers.splice(0)) await w.stop();
  });
});
