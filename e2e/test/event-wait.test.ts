import { createWorkspace } from '@weft/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deliverToOneRun,
  deliverWebhook,
  openStack,
  seedPublishedScenario,
  seedSignedApp,
  stepOf,
  waitForRun,
} from './harness.js';
import { startSink } from './sink.js';

/**
 * An order ships once its payment arrives: the shop's order webhook starts a run that waits for a
 * webhook of the payment provider carrying the order's id with status "paid". The built api and
 * runner as processes, both webhooks over HTTP. A payment that arrives just before the wait begins
 * is not lost; another order's payment, or this order's pending one, does not resume it.
 */

const SHOP_SECRET = 'event-shop-secret-0123456789abcd';
const PAY_SECRET = 'event-pay-secret-0123456789abcde';
const stack = await openStack('e2e_event_wait');
const { db } = stack;
const sink = await startSink(() => ({ status: 200, body: { ok: true } }));
const position = { x: 0, y: 0 };

beforeAll(async () => {
  const workspace = await createWorkspace(db.models, 'e2e events');
  const shop = await seedSignedApp(stack, workspace._id, {
    key: 'e2e-shop',
    name: 'Shop',
    secret: SHOP_SECRET,
  });
  const payments = await seedSignedApp(stack, workspace._id, {
    key: 'e2e-payments',
    name: 'Payments',
    secret: PAY_SECRET,
  });
  await seedPublishedScenario(db, workspace._id, {
    name: 'Ship when paid',
    draft: {
      nodes: [
        {
          id: 'hook',
          type: 'trigger.webhook',
          version: 1,
          config: { appId: shop },
          position,
        },
        {
          id: 'paid',
          type: 'wait.event',
          version: 1,
          config: {
            appId: payments,
            correlationKey: '{{ trigger.body.id }}',
            deliveryKey: 'body.order',
            match: 'delivery.body.status = "paid"',
            timeoutMs: 3_600_000,
            lookBackMs: 60_000,
          },
          position,
        },
        {
          id: 'ship',
          type: 'http.request',
          version: 2,
          config: {
            method: 'POST',
            url: `${sink.url}/ship`,
            body: { order: '{{ trigger.body.id }}', payment: '{{ nodes.paid.event.body.payment }}' },
          },
          position,
        },
      ],
      edges: [
        { id: 'e1', source: 'hook', target: 'paid' },
        { id: 'e2', source: 'paid', target: 'ship' },
      ],
    },
  });
  await stack.start({ token: `weft_${'e'.repeat(43)}`, runners: ['e2e-event-runner'] });
});

afterAll(async () => {
  await stack.stop();
  await sink.close();
});

const order = (id: string) => deliverToOneRun(stack, 'e2e-shop', SHOP_SECRET, { id });
const payment = (body: Record<string, unknown>) => deliverWebhook(stack, 'e2e-payments', PAY_SECRET, body);
const until = (runId: string, what: string, check: Parameters<typeof waitForRun>[3]) =>
  waitForRun(db, runId, what, check);
const shipped = (id: string) =>
  sink.requests.filter((r) => r.path === '/ship' && JSON.parse(r.body).order === id);

describe('an order ships once its payment arrives', () => {
  it('waits through another order’s payment and its own pending one, and goes on with the paid one', async () => {
    const runId = await order('o-1');
    await until(
      runId,
      'waiting',
      (run) => run?.status === 'waiting' && stepOf(run, 'paid')?.status === 'waiting',
    );
    expect(await payment({ order: 'o-other', status: 'paid', payment: 'p-0' })).toEqual([]);
    expect(await payment({ order: 'o-1', status: 'pending', payment: 'p-1' })).toEqual([]);
    // Woken by the pending payment, it looked and waits again.
    await until(runId, 'waiting again', (run) => run?.status === 'waiting' && (run.claims ?? 0) >= 2);
    expect(shipped('o-1')).toEqual([]);

    await payment({ order: 'o-1', status: 'paid', payment: 'p-2' });
    const done = await until(runId, 'finishing', (run) => run?.status === 'succeeded');
    expect(stepOf(done, 'paid')?.output).toMatchObject({
      timedOut: false,
      event: { body: { order: 'o-1', status: 'paid', payment: 'p-2' } },
    });
    expect(shipped('o-1').map((r) => JSON.parse(r.body))).toEqual([{ order: 'o-1', payment: 'p-2' }]);
  });

  it('a payment that arrived just before the order’s run began is not lost', async () => {
    await payment({ order: 'o-2', status: 'paid', payment: 'p-3' });
    const runId = await order('o-2');
    const done = await until(runId, 'finishing', (run) => run?.status === 'succeeded');
    expect(stepOf(done, 'paid')?.output).toMatchObject({
      timedOut: false,
      event: { body: { payment: 'p-3' } },
    });
    expect(shipped('o-2')).toHaveLength(1);
  });
});
