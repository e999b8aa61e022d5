import { claimBulkJob, findScenarioVersion, newObjectId, recordBulkItem, toObjectId } from '@weft/db';
import { describe, expect, it } from 'vitest';
import { replayItem } from '../src/bulk/items.js';
import { BulkWorker, DEFAULT_BULK_WORKER_OPTIONS, processBulkJob } from '../src/bulk/worker.js';
import { createReplay } from '../src/replay.js';
import { finishedRun, publishedManualScenario, rejection } from './fixtures.js';
import { createSignedApp, postSigned, useApi, webhookGraph, webhookScenario } from './harness.js';

const h = useApi();

function worker(owner: string, options: Partial<typeof DEFAULT_BULK_WORKER_OPTIONS> = {}) {
  return new BulkWorker(h.deps, { ...DEFAULT_BULK_WORKER_OPTIONS, owner, ...options });
}

function replaysOf(runId: string) {
  return h.db.models.Run.find({ 'trigger.replayOf': toObjectId(runId) })
    .lean()
    .exec();
}

/** Marks webhook runs finished as a runner would have left them. */
async function finish(runIds: readonly string[], status: 'failed' | 'succeeded' = 'failed') {
  await h.db.models.Run.updateMany(
    { _id: { $in: runIds.map((id) => toObjectId(id)) } },
    { $set: { status, finishedAt: new Date() } },
  );
}

const searchKeys = [
  { name: 'customer', expression: 'body.data.object.customer' },
  { name: 'amount', expression: '$number(body.amount)' },
];

async function searchableApp() {
  const app = await createSignedApp(h, { scheme: 'generic' });
  await h.caller.apps.update({ id: app.id, searchKeys });
  const scenarioId = await webhookScenario(h, app.id);
  return { app, scenarioId };
}

describe('search keys', () => {
  it('refuses bad declarations with an error naming the key, and changes nothing', async () => {
    const app = await createSignedApp(h, { scheme: 'generic' });
    const broken = await rejection(
      h.caller.apps.update({ id: app.id, searchKeys: [{ name: 'order', expression: 'body.items[' }] }),
    );
    expect(broken.code).toBe('BAD_REQUEST');
    expect(broken.message).toContain('search key "order"');
    const twice = await rejection(
      h.caller.apps.update({
        id: app.id,
        searchKeys: [
          { name: 'a', expression: 'body.a' },
          { name: 'a', expression: 'body.b' },
        ],
      }),
    );
    expect(twice.message).toContain('search key "a" is declared twice');
    expect((await h.caller.apps.get({ id: app.id })).searchKeys).toEqual([]);
  });

  it('are extracted at ingest onto the delivery and its runs; a failing key stores nothing and the webhook is accepted', async () => {
    const { app, scenarioId } = await searchableApp();
    const first = await postSigned(
      h,
      app,
      JSON.stringify({ data: { object: { customer: 'cus_1' } }, amount: '12' }),
    );
    const second = await postSigned(
      h,
      app,
      JSON.stringify({ data: { object: { customer: 'cus_2' } }, amount: 'x' }),
    );
    expect(first.status).toBe(202);
    // `$number("x")` fails: the key has no value, the delivery and its run are stored all the same.
    expect(second.status).toBe(202);

    const byCustomer = await h.caller.deliveries.list({ search: { name: 'customer', value: 'cus_2' } });
    expect(byCustomer.items.map((d) => d.deliveryId)).toEqual([second.json.deliveryId]);
    expect(byCustomer.items[0]!.searchKeys).toEqual([{ name: 'customer', value: 'cus_2' }]);

    const runs = await h.caller.runs.list({ scenarioId, search: { name: 'customer', value: 'cus_1' } });
    expect(runs.items.map((r) => r.id)).toEqual(first.json.runIds);
    expect(runs.items[0]!.searchKeys).toEqual([
      { name: 'customer', value: 'cus_1' },
      { name: 'amount', value: '12' },
    ]);
    expect(
      (await h.caller.runs.list({ search: { name: 'amount', value: '12' } })).items.map((r) => r.id),
    ).toEqual(first.json.runIds);
    expect((await h.caller.runs.list({ search: { name: 'customer', value: 'cus_3' } })).items).toEqual([]);
  });
});

describe('a scenario’s own search keys', () => {
  it('are evaluated for its runs on top of the app’s; the delivery is found by both', async () => {
    const { app } = await searchableApp();
    const graph = webhookGraph(app.id);
    const hook = graph.nodes[0]!;
    const withKeys = (searchKeys: unknown) => ({
      ...graph,
      nodes: [{ ...hook, config: { ...hook.config, searchKeys } }, ...graph.nodes.slice(1)],
    });
    const broken = await h.caller.scenarios.create({
      name: 'Broken keys',
      draft: withKeys([{ name: 'order', expression: 'body.(' }]),
    });
    const refused = await rejection(h.caller.scenarios.publish({ id: broken.id }));
    expect(refused.code).toBe('BAD_REQUEST');
    expect(refused.message).toContain('search key "order"');

    const scenario = await h.caller.scenarios.create({
      name: 'Own keys',
      draft: withKeys([
        { name: 'order', expression: 'body.order' },
        { name: 'customer', expression: '$uppercase(body.data.object.customer)' },
      ]),
    });
    await h.caller.scenarios.publish({ id: scenario.id });
    await h.caller.scenarios.setEnabled({ id: scenario.id, enabled: true });
    const answer = await postSigned(
      h,
      app,
      JSON.stringify({ order: 'o_1', data: { object: { customer: 'cus_9' } } }),
    );
    expect(answer.status).toBe(202);
    const runs = await h.caller.runs.list({ search: { name: 'order', value: 'o_1' } });
    expect(runs.items.map((r) => r.scenarioId)).toEqual([scenario.id]);
    // The scenario's `customer` replaces the app's for its runs; the app's other scenario keeps the app's.
    expect(runs.items[0]!.searchKeys).toEqual([
      { name: 'order', value: 'o_1' },
      { name: 'customer', value: 'CUS_9' },
    ]);
    const appRuns = await h.caller.runs.list({ search: { name: 'customer', value: 'cus_9' } });
    expect(appRuns.items.map((r) => r.scenarioId)).not.toContain(scenario.id);
    expect(appRuns.items).toHaveLength(1);
    for (const search of [
      { name: 'order', value: 'o_1' },
      { name: 'customer', value: 'cus_9' },
      { name: 'customer', value: 'CUS_9' },
    ]) {
      const found = await h.caller.deliveries.list({ search });
      expect(found.items.map((d) => d.deliveryId)).toEqual([answer.json.deliveryId]);
    }
    // A redelivery evaluates them again for its runs.
    const redelivered = await h.caller.deliveries.redeliver({
      id: (await h.caller.deliveries.list({ search: { name: 'order', value: 'o_1' } })).items[0]!.id,
      scenarioIds: [scenario.id],
    });
    const [again] = await h.db.models.Run.find({ _id: toObjectId(redelivered.runIds[0]!) })
      .lean()
      .exec();
    expect(again!.searchKeys).toEqual(runs.items[0]!.searchKeys);
  });
});

describe('runs.bulkReplay', () => {
  it('replays every selected run once, in the background, with progress; runs it creates are not selected', async () => {
    const { app, scenarioId } = await searchableApp();
    const runIds: string[] = [];
    for (const [n, customer] of ['cus_a', 'cus_a', 'cus_b', 'cus_a'].entries()) {
      const answer = await postSigned(h, app, JSON.stringify({ n, data: { object: { customer } } }));
      runIds.push(...(answer.json.runIds as string[]));
    }
    await finish(runIds);
    const job = await h.caller.runs.bulkReplay({
      filter: { scenarioId, search: { name: 'customer', value: 'cus_a' } },
      from: 'start',
    });
    expect(job).toMatchObject({
      kind: 'replay',
      status: 'queued',
      total: null,
      options: { from: 'start', version: 'original' },
    });

    expect(await worker('w1', { batchSize: 2 }).drain()).toBe(true);
    const done = await h.caller.bulkJobs.get({ id: job.id });
    expect(done).toMatchObject({
      status: 'done',
      total: 3,
      counts: { done: 3, skipped: 0, failed: 0 },
      processed: 3,
    });
    const selected = [runIds[0]!, runIds[1]!, runIds[3]!];
    for (const id of selected) {
      const replays = await replaysOf(id);
      expect(replays).toHaveLength(1);
      expect(replays[0]!.status).toBe('queued');
      // The replay keeps the search keys: it is found by the same search.
      expect(replays[0]!.searchKeys).toEqual([{ name: 'customer', value: 'cus_a' }]);
    }
    expect(await replaysOf(runIds[2]!)).toHaveLength(0);
    expect((await h.caller.bulkJobs.list({ kind: 'replay' })).items[0]!.id).toBe(job.id);
  });

  it('skips what cannot be replayed as asked, with the reason', async () => {
    const { scenario } = await publishedManualScenario(h.caller, 'Bulk skip');
    const failed = await finishedRun(h, scenario);
    const succeeded = await finishedRun(h, scenario, { second: 'succeeded' });
    const job = await h.caller.runs.bulkReplay({ filter: { scenarioId: scenario.id }, from: 'failure' });
    await worker('w1').drain();
    const done = await h.caller.bulkJobs.get({ id: job.id });
    expect(done).toMatchObject({ status: 'done', total: 2, counts: { done: 1, skipped: 1, failed: 0 } });
    expect(done.problems).toEqual([
      {
        sourceId: succeeded,
        outcome: 'skipped',
        message: `run ${succeeded} succeeded: there is no failed step to replay from; replay it from the start`,
      },
    ]);
    const [replay] = await replaysOf(failed);
    // From the failure: the succeeded trigger step is kept.
    expect(replay!.steps.find((s) => s.nodeId === 'start')?.status).toBe('succeeded');
    expect(await replaysOf(succeeded)).toHaveLength(0);
  });

  it('runs the published version when asked', async () => {
    const { scenario } = await publishedManualScenario(h.caller, 'Bulk published');
    const runId = await finishedRun(h, scenario);
    const current = await h.caller.scenarios.get({ id: scenario.id });
    await h.caller.scenarios.updateDraft({
      id: scenario.id,
      revision: current.revision,
      draft: { nodes: current.draft.nodes, edges: current.draft.edges },
      description: 'v2',
    });
    await h.caller.scenarios.publish({ id: scenario.id });
    await h.caller.runs.bulkReplay({ filter: { scenarioId: scenario.id }, version: 'published' });
    await worker('w1').drain();
    const [replay] = await replaysOf(runId);
    expect(replay!.version).toBe(2);
  });

  it('never replays a run twice when two processes work on the same job (a lease taken over mid-job)', async () => {
    const { scenario } = await publishedManualScenario(h.caller, 'Bulk race');
    const runIds: string[] = [];
    for (let i = 0; i < 12; i++) runIds.push(await finishedRun(h, scenario));
    const job = await h.caller.runs.bulkReplay({ filter: { scenarioId: scenario.id } });
    // A lease of 1 ms expires at once: each process keeps taking the job over from the other.
    const a = worker('a', { leaseMs: 1, batchSize: 3 });
    const b = worker('b', { leaseMs: 1, batchSize: 3 });
    await Promise.all([a.drain(), b.drain(), a.drain(), b.drain()]);
    await expect.poll(async () => (await h.caller.bulkJobs.get({ id: job.id })).status).toBe('done');
    for (const id of runIds) expect(await replaysOf(id)).toHaveLength(1);
    expect((await h.caller.bulkJobs.get({ id: job.id })).counts).toEqual({ done: 12, skipped: 0, failed: 0 });
  });

  it('a job taken over after a crash replays nothing twice: items the dead process recorded are finished with their run ids', async () => {
    const { scenario } = await publishedManualScenario(h.caller, 'Bulk crash');
    const runIds = [
      await finishedRun(h, scenario),
      await finishedRun(h, scenario),
      await finishedRun(h, scenario),
    ];
    const job = await h.caller.runs.bulkReplay({ filter: { scenarioId: scenario.id } });
    // The dead process took the job, replayed the first run, recorded the second and created its
    // replay, then died before settling that item or saving any progress (the cursor is unset).
    const held = await claimBulkJob(h.db.models, { owner: 'dead', leaseMs: 60_000 });
    expect(held?._id.toHexString()).toBe(job.id);
    const replayJob = held as typeof held & { spec: { kind: 'replay' } };
    expect(await replayItem(h.deps, replayJob, toObjectId(runIds[0]!))).toEqual({ outcome: 'done' });
    const source = (await h.db.models.Run.findById(toObjectId(runIds[1]!)).lean().exec())!;
    const version = (await findScenarioVersion(h.db.models, source.scenarioVersionId))!;
    const plannedRunId = newObjectId();
    await recordBulkItem(h.db.models, {
      jobId: replayJob._id,
      sourceId: source._id,
      planned: [{ runId: plannedRunId, scenarioVersionId: version._id }],
      outcome: 'pending',
      message: null,
    });
    await createReplay(h.deps, source, version, 'start', plannedRunId);
    // Its lease runs out; another process takes the job over.
    await h.db.models.BulkJob.updateOne(
      { _id: replayJob._id },
      { $set: { leaseExpiresAt: new Date(Date.now() - 1) } },
    );

    await worker('survivor').drain();
    const done = await h.caller.bulkJobs.get({ id: job.id });
    expect(done).toMatchObject({ status: 'done', total: 3, counts: { done: 3, skipped: 0, failed: 0 } });
    for (const id of runIds) expect(await replaysOf(id)).toHaveLength(1);
    expect((await replaysOf(runIds[1]!))[0]!._id.equals(plannedRunId)).toBe(true);
  });

  it('never replays its own replays, even when the clock of the process creating it was ahead', async () => {
    const { scenario } = await publishedManualScenario(h.caller, 'Bulk skew');
    const runIds = [await finishedRun(h, scenario), await finishedRun(h, scenario)];
    const job = await h.caller.runs.bulkReplay({ filter: { scenarioId: scenario.id } });
    // The job is dated an hour ahead: the replays this process creates fall inside its selection.
    await h.db.models.BulkJob.updateOne(
      { _id: toObjectId(job.id) },
      { $set: { createdAt: new Date(Date.now() + 3_600_000) } },
    );
    await worker('w1', { batchSize: 1 }).drain();
    for (const id of runIds) {
      const [replay] = await replaysOf(id);
      expect(replay).toBeDefined();
      expect(await replaysOf(replay!._id.toHexString())).toHaveLength(0);
    }
    // Its own replays were met (still queued) and left alone: not even counted as skipped.
    expect((await h.caller.bulkJobs.get({ id: job.id })).counts).toEqual({ done: 2, skipped: 0, failed: 0 });
  });

  it('a process that stops hands its job back after the current batch; another takes it over at once', async () => {
    const { scenario } = await publishedManualScenario(h.caller, 'Bulk handover');
    const runIds = [
      await finishedRun(h, scenario),
      await finishedRun(h, scenario),
      await finishedRun(h, scenario),
    ];
    const job = await h.caller.runs.bulkReplay({ filter: { scenarioId: scenario.id } });
    const held = await claimBulkJob(h.db.models, { owner: 'stopping', leaseMs: 600_000 });
    expect(held?._id.toHexString()).toBe(job.id);
    await processBulkJob(
      h.deps,
      held!,
      { ...DEFAULT_BULK_WORKER_OPTIONS, owner: 'stopping', batchSize: 1 },
      () => true,
    );
    expect((await h.caller.bulkJobs.get({ id: job.id })).counts.done).toBe(1);
    // Handed back: no need to wait for the ten-minute lease.
    await worker('next').drain();
    expect((await h.caller.bulkJobs.get({ id: job.id })).status).toBe('done');
    for (const id of runIds) expect(await replaysOf(id)).toHaveLength(1);
  });

  it('a cancelled job replays nothing more; cancelling twice is fine, a finished job is a CONFLICT', async () => {
    const { scenario } = await publishedManualScenario(h.caller, 'Bulk cancel');
    const runId = await finishedRun(h, scenario);
    const job = await h.caller.runs.bulkReplay({ filter: { scenarioId: scenario.id } });
    expect((await h.caller.bulkJobs.cancel({ id: job.id })).status).toBe('cancelled');
    expect((await h.caller.bulkJobs.cancel({ id: job.id })).status).toBe('cancelled');
    await worker('w1').drain();
    expect(await replaysOf(runId)).toHaveLength(0);

    const other = await h.caller.runs.bulkReplay({ filter: { scenarioId: scenario.id } });
    await worker('w1').drain();
    const refused = await rejection(h.caller.bulkJobs.cancel({ id: other.id }));
    expect(refused.code).toBe('CONFLICT');
    expect(refused.message).toContain('has already finished (done)');
  });

  it('refuses a filter naming an unknown scenario, and bad filters, creating nothing', async () => {
    const before = await h.db.models.BulkJob.countDocuments().exec();
    const unknown = await rejection(
      h.caller.runs.bulkReplay({ filter: { scenarioId: '0123456789abcdef01234567' } }),
    );
    expect(unknown.code).toBe('NOT_FOUND');
    expect(unknown.message).toContain('filter.scenarioId');
    const bad = await rejection(
      h.caller.runs.bulkReplay({ filter: { from: new Date(2030, 1, 1), to: new Date(2030, 0, 1) } }),
    );
    expect(bad.code).toBe('BAD_REQUEST');
    expect(bad.message).toContain('to must be later than from');
    expect(await h.db.models.BulkJob.countDocuments().exec()).toBe(before);
    expect((await rejection(h.caller.bulkJobs.get({ id: '0123456789abcdef01234567' }))).code).toBe(
      'NOT_FOUND',
    );
  });
});

describe('deliveries.bulkRedeliver', () => {
  it('redelivers every selected delivery once to the scenarios matching it now', async () => {
    const { app, scenarioId } = await searchableApp();
    const answers = [];
    for (const [n, customer] of ['cus_r', 'cus_s', 'cus_r'].entries()) {
      answers.push(await postSigned(h, app, JSON.stringify({ n, data: { object: { customer } } })));
    }
    const job = await h.caller.deliveries.bulkRedeliver({
      filter: { appId: app.id, search: { name: 'customer', value: 'cus_r' } },
    });
    await worker('w1').drain();
    expect(await h.caller.bulkJobs.get({ id: job.id })).toMatchObject({
      kind: 'redeliver',
      status: 'done',
      total: 2,
      counts: { done: 2, skipped: 0, failed: 0 },
    });
    const deliveries = await h.caller.deliveries.list({ appId: app.id });
    const runsOf = new Map(deliveries.items.map((d) => [d.deliveryId, d.runIds]));
    expect(runsOf.get(answers[0]!.json.deliveryId)).toHaveLength(2);
    expect(runsOf.get(answers[1]!.json.deliveryId)).toHaveLength(1);
    expect(runsOf.get(answers[2]!.json.deliveryId)).toHaveLength(2);
    const redelivered = await h.db.models.Run.find({
      scenarioId: toObjectId(scenarioId),
      'trigger.kind': 'redelivery',
    })
      .lean()
      .exec();
    expect(redelivered).toHaveLength(2);
    expect(redelivered.every((r) => r.searchKeys?.[0]?.value === 'cus_r')).toBe(true);
  });
});
