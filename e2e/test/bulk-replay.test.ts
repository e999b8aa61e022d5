import { createWorkspace, type RunDoc, toObjectId } from '@weft/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  callTrpc,
  deliverToOneRun,
  openStack,
  seedPublishedScenario,
  seedSignedApp,
  waitForFinalRun,
} from './harness.js';
import { startSink } from './sink.js';

/**
 * Search keys and bulk replay over HTTP with the built api and runner as processes: an app
 * declares `customer: body.customer`; the partner's orders call a fulfilment service that is
 * down for a while, so their runs fail; the runs of one customer are found by the key, replayed
 * from their failure in the background once the service is back (progress through
 * bulkJobs.get), each exactly once; the other customer's runs are left alone.
 */

const SECRET = 'bulk-replay-shared-secret-0123456';
const TOKEN = `weft_${'b'.repeat(43)}`;
const stack = await openStack('e2e_bulk');
const { db } = stack;
let serviceUp = false;
const sink = await startSink(() =>
  serviceUp
    ? { status: 200, body: { shipped: true } }
    : { status: 404, body: { error: 'down for maintenance' } },
);
const position = { x: 0, y: 0 };
let scenarioId = '';

beforeAll(async () => {
  const workspace = await createWorkspace(db.models, 'e2e bulk');
  const appId = await seedSignedApp(stack, workspace._id, { key: 'e2e-bulk', name: 'Shop', secret: SECRET });
  scenarioId = await seedPublishedScenario(db, workspace._id, {
    name: 'Fulfil orders',
    draft: {
      nodes: [
        { id: 'hook', type: 'trigger.webhook', version: 1, config: { appId }, position },
        {
          id: 'ship',
          type: 'http.request',
          version: 2,
          config: {
            method: 'POST',
            url: `${sink.url}/ship/{{ trigger.body.order }}`,
            body: '{{ trigger.body }}',
          },
          retry: { maxAttempts: 1 },
          position,
        },
      ],
      edges: [{ id: 'e1', source: 'hook', target: 'ship' }],
    },
  });
  await stack.start({ token: TOKEN, runners: ['e2e-bulk-runner'] });
});

afterAll(async () => {
  await stack.stop();
  await sink.close();
});

const trpc = (procedure: string, input: unknown, type: 'query' | 'mutation') =>
  callTrpc(stack, TOKEN, procedure, input, type);

const replaysOf = (runId: string) =>
  db.models.Run.find({ 'trigger.replayOf': toObjectId(runId) })
    .lean<RunDoc[]>()
    .exec();

describe('bulk replay of the runs a search key finds', () => {
  it('declares a key, finds the failed runs of one customer and replays each once', async () => {
    const apps = await trpc('apps.list', undefined, 'query');
    const app = (apps.data as { id: string; key: string }[]).find((a) => a.key === 'e2e-bulk')!;
    const bad = await trpc(
      'apps.update',
      { id: app.id, searchKeys: [{ name: 'customer', expression: 'body.(' }] },
      'mutation',
    );
    expect(bad.status).toBe(400);
    expect(bad.error.message).toContain('search key "customer"');
    const saved = await trpc(
      'apps.update',
      { id: app.id, searchKeys: [{ name: 'customer', expression: 'body.customer' }] },
      'mutation',
    );
    expect(saved.status).toBe(200);
    expect(saved.data.searchKeys).toEqual([{ name: 'customer', expression: 'body.customer' }]);
    // The api serves apps from a cache for a few seconds: wait until a delivery carries the key.
    await expect
      .poll(async () => {
        const runId = await deliverToOneRun(stack, 'e2e-bulk', SECRET, {
          order: `probe-${Date.now()}`,
          customer: 'probe',
        });
        const run = await db.models.Run.findById(toObjectId(runId)).lean<RunDoc>().exec();
        return run?.searchKeys?.[0]?.value ?? null;
      })
      .toBe('probe');

    const mine: string[] = [];
    const theirs: string[] = [];
    for (let i = 0; i < 4; i++) {
      mine.push(await deliverToOneRun(stack, 'e2e-bulk', SECRET, { order: `a-${i}`, customer: 'cus_a' }));
      theirs.push(await deliverToOneRun(stack, 'e2e-bulk', SECRET, { order: `b-${i}`, customer: 'cus_b' }));
    }
    for (const id of [...mine, ...theirs])
      expect((await waitForFinalRun(db, id)).status).not.toBe('succeeded');

    const found = await trpc(
      'runs.list',
      { scenarioId, search: { name: 'customer', value: 'cus_a' }, limit: 50 },
      'query',
    );
    expect(found.status).toBe(200);
    expect((found.data.items as { id: string }[]).map((r) => r.id).sort()).toEqual([...mine].sort());

    serviceUp = true;
    const started = await trpc(
      'runs.bulkReplay',
      { filter: { scenarioId, search: { name: 'customer', value: 'cus_a' } }, from: 'failure' },
      'mutation',
    );
    expect(started.status).toBe(200);
    expect(started.data.status).toBe('queued');
    const jobId = started.data.id as string;
    await expect
      .poll(async () => (await trpc('bulkJobs.get', { id: jobId }, 'query')).data.status)
      .toBe('done');
    const job = (await trpc('bulkJobs.get', { id: jobId }, 'query')).data;
    expect(job).toMatchObject({ total: 4, counts: { done: 4, skipped: 0, failed: 0 }, processed: 4 });

    for (const id of mine) {
      const replays = await replaysOf(id);
      expect(replays).toHaveLength(1);
      expect((await waitForFinalRun(db, replays[0]!._id)).status).toBe('succeeded');
    }
    for (const id of theirs) expect(await replaysOf(id)).toHaveLength(0);
    const shipped = sink.requests.filter((r) => JSON.parse(r.body).customer === 'cus_a');
    // Four failed calls, then one successful call per replay.
    expect(shipped).toHaveLength(8);

    // The same key finds the deliveries; redelivering them runs each once more.
    const deliveries = await trpc(
      'deliveries.list',
      { search: { name: 'customer', value: 'cus_b' } },
      'query',
    );
    expect(deliveries.data.items).toHaveLength(4);
    const redeliver = await trpc(
      'deliveries.bulkRedeliver',
      { filter: { search: { name: 'customer', value: 'cus_b' } } },
      'mutation',
    );
    expect(redeliver.status).toBe(200);
    await expect
      .poll(async () => (await trpc('bulkJobs.get', { id: redeliver.data.id }, 'query')).data.status)
      .toBe('done');
    const redelivered = await db.models.Run.find({
      scenarioId: toObjectId(scenarioId),
      'trigger.kind': 'redelivery',
    })
      .lean<RunDoc[]>()
      .exec();
    expect(redelivered).toHaveLength(4);
    for (const run of redelivered) expect((await waitForFinalRun(db, run._id)).status).toBe('succeeded');
  });
});
