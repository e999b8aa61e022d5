import { toObjectId } from '@weft/db';
import { describe, expect, it } from 'vitest';
import type { GraphProblemsError } from '../src/trpc.js';
import { rejection } from './fixtures.js';
import { createSignedApp, postSigned, request, type TestApp, useApi } from './harness.js';

const h = useApi();

function replyGraph(appId: string, trigger: Record<string, unknown> = {}) {
  return {
    nodes: [
      {
        id: 'hook',
        type: 'trigger.webhook',
        version: 1,
        config: { appId, respond: 'node', ...trigger },
        position: { x: 0, y: 0 },
      },
      {
        id: 'reply',
        type: 'webhook.respond',
        version: 1,
        config: { status: 201, body: { id: '{{ trigger.body.id }}' } },
        position: { x: 200, y: 0 },
      },
    ],
    edges: [{ id: 'e1', source: 'hook', sourceHandle: 'out', target: 'reply', targetHandle: 'in' }],
  };
}

async function replyScenario(app: TestApp, trigger: Record<string, unknown> = {}) {
  const scenario = await h.caller.scenarios.create({
    name: `Replies ${app.key}`,
    draft: replyGraph(app.id, trigger),
  });
  await h.caller.scenarios.publish({ id: scenario.id });
  await h.caller.scenarios.setEnabled({ id: scenario.id, enabled: true });
  return scenario.id;
}

function deliveriesOf(appId: string) {
  return h.db.models.WebhookDelivery.find({ appId: toObjectId(appId) })
    .lean()
    .exec();
}

/** Does what a runner does when it reaches the respond node: stores the step with its output. */
async function settleReplyStep(runId: string, output: unknown, status: 'running' | 'succeeded' = 'running') {
  await h.db.models.Run.updateOne(
    { _id: toObjectId(runId) },
    {
      $set: {
        status,
        updatedAt: new Date(),
        steps: [
          {
            nodeId: 'hook',
            nodeType: 'trigger.webhook',
            status: 'succeeded',
            attempts: 1,
            output: {},
            outputTruncated: false,
            error: null,
            startedAt: new Date(),
            finishedAt: new Date(),
            durationMs: 0,
          },
          {
            nodeId: 'reply',
            nodeType: 'webhook.respond',
            status: 'succeeded',
            attempts: 1,
            output,
            outputTruncated: false,
            error: null,
            startedAt: new Date(),
            finishedAt: new Date(),
            durationMs: 0,
          },
        ],
      },
    },
  ).exec();
}

async function firstRunIdOf(scenarioId: string): Promise<string> {
  let runId: string | undefined;
  await expect
    .poll(
      async () => {
        const run = await h.db.models.Run.findOne({ scenarioId: toObjectId(scenarioId) })
          .lean()
          .exec();
        runId = run?._id.toHexString();
        return runId;
      },
      { timeout: 30_000 },
    )
    .toBeTypeOf('string');
  return runId!;
}

describe('respond: "node": the run answers the webhook', () => {
  it("holds the request until the run's respond step is stored, then answers with it; a retry gets the same reply", async () => {
    const app = await createSignedApp(h, { scheme: 'github' });
    const scenarioId = await replyScenario(app);
    const body = JSON.stringify({ id: 'rec_1' });
    const answer = postSigned(h, app, body, { id: 'gh-reply-1' });
    const runId = await firstRunIdOf(scenarioId);
    // The delivery and its run are stored before the request waits: nothing accepted is lost.
    const [stored] = await deliveriesOf(app.id);
    expect(stored?.replyFrom).toMatchObject({ nodeIds: ['reply'], timeoutMs: 10_000 });
    await settleReplyStep(runId, { status: 201, headers: { 'X-Record': 'rec_1' }, body: { id: 'rec_1' } });

    const first = await answer;
    expect(first.status).toBe(201);
    expect(first.headers.get('x-record')).toBe('rec_1');
    expect(first.headers.get('content-type')).toMatch(/^application\/json/);
    expect(first.json).toEqual({ id: 'rec_1' });
    await expect
      .poll(async () => (await deliveriesOf(app.id))[0]?.reply, { timeout: 30_000 })
      .toMatchObject({ status: 201, body: '{"id":"rec_1"}', nodeId: 'reply' });

    const retry = await postSigned(h, app, body, { id: 'gh-reply-1' });
    expect(retry.status).toBe(201);
    expect(retry.json).toEqual({ id: 'rec_1' });
    expect(retry.headers.get('x-record')).toBe('rec_1');
    expect(await h.db.models.Run.countDocuments({ scenarioId: toObjectId(scenarioId) })).toBe(1);

    const view = await h.caller.deliveries.get({ id: stored!._id.toHexString() });
    expect(view.replyFrom).toEqual({ runId, nodeIds: ['reply'], timeoutMs: 10_000 });
    expect(view.reply).toMatchObject({ status: 201, body: '{"id":"rec_1"}', runId, nodeId: 'reply' });
  });

  it('a dry-run shows the reply the caller would get', async () => {
    const app = await createSignedApp(h, { scheme: 'github' });
    const scenario = await h.caller.scenarios.create({ name: 'Preview reply', draft: replyGraph(app.id) });
    const preview = await h.caller.scenarios.dryRun({
      id: scenario.id,
      trigger: { body: { id: 'rec_9' }, headers: {} },
    });
    expect(preview.status).toBe('succeeded');
    expect(preview.webhookReply).toEqual({
      status: 201,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: '{"id":"rec_9"}',
    });
  });

  it('answers 202 as usual when the run gives no reply within the timeout, and the run stays', async () => {
    const app = await createSignedApp(h, { scheme: 'github' });
    const scenarioId = await replyScenario(app, { respondTimeoutMs: 1_000 });
    const answer = await postSigned(h, app, JSON.stringify({ id: 'rec_2' }), { id: 'gh-timeout' });
    expect(answer.status).toBe(202);
    expect(answer.json.runIds).toHaveLength(1);
    const run = await h.db.models.Run.findById(toObjectId(answer.json.runIds[0])).lean().exec();
    expect(run?.scenarioId.toHexString()).toBe(scenarioId);
    expect(run?.status).toBe('queued');
  });

  it('answers 202 at once when the run ends without a reply', async () => {
    const app = await createSignedApp(h, { scheme: 'github' });
    const scenarioId = await replyScenario(app, { respondTimeoutMs: 25_000 });
    const answer = postSigned(h, app, JSON.stringify({ id: 'rec_3' }), { id: 'gh-failed' });
    const runId = await firstRunIdOf(scenarioId);
    await h.db.models.Run.updateOne(
      { _id: toObjectId(runId) },
      { $set: { status: 'failed', updatedAt: new Date() } },
    ).exec();
    const result = await answer;
    expect(result.status).toBe(202);
    expect(result.json.runIds).toEqual([runId]);
    expect((await deliveriesOf(app.id))[0]?.reply ?? null).toBeNull();
  });

  it('refuses to publish a second scenario of the app that answers, naming the first', async () => {
    const app = await createSignedApp(h, { scheme: 'github' });
    await replyScenario(app);
    const second = await h.caller.scenarios.create({ name: 'Second answerer', draft: replyGraph(app.id) });
    const refused = await rejection(h.caller.scenarios.publish({ id: second.id }));
    expect(refused.code).toBe('BAD_REQUEST');
    expect(refused.message).toContain(`scenario "Replies ${app.key}" already answers this app's webhooks`);
    expect((refused.cause as GraphProblemsError).problems).toEqual([
      expect.objectContaining({ code: 'reply_conflict', nodeId: 'hook', path: ['respond'] }),
    ]);
    // Answering 202 at once, the same graph publishes.
    await h.caller.scenarios.updateDraft({
      id: second.id,
      revision: (await h.caller.scenarios.get({ id: second.id })).revision,
      draft: {
        ...replyGraph(app.id, { respond: 'accepted' }),
        nodes: replyGraph(app.id, { respond: 'accepted' }).nodes.slice(0, 1),
        edges: [],
      },
    });
    await expect(h.caller.scenarios.publish({ id: second.id })).resolves.toBeDefined();
  });
});

describe('handshakes: answered without storing a delivery', () => {
  it("answers Slack's url_verification with the challenge only when the signature verifies", async () => {
    const app = await createSignedApp(h, { scheme: 'slack' });
    await replyScenario(app);
    const challenge = JSON.stringify({ token: 'x', challenge: 'c-123', type: 'url_verification' });
    const answer = await postSigned(h, app, challenge);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ challenge: 'c-123' });
    const forged = await postSigned(h, app, challenge, { secret: 'not-the-signing-secret' });
    expect(forged.status).toBe(401);
    expect(forged.json.error).toBe('signature_mismatch');
    expect(await deliveriesOf(app.id)).toHaveLength(0);
  });

  it('echoes the configured GET challenge parameter as text; without one GET stays refused', async () => {
    const meta = await createSignedApp(h, { scheme: 'generic', challengeParam: 'hub.challenge' });
    const url = `${h.baseUrl}/webhook/${meta.key}`;
    const echoed = await request(`${url}?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=t`);
    expect(echoed.status).toBe(200);
    expect(echoed.text).toBe('1158201444');
    expect(echoed.headers.get('content-type')).toMatch(/^text\/plain/);
    const missing = await request(`${url}?hub.mode=subscribe`);
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({
      error: 'missing_challenge',
      message: expect.stringContaining('"hub.challenge"'),
    });

    const plain = await createSignedApp(h, { scheme: 'github' });
    const refused = await request(`${h.baseUrl}/webhook/${plain.key}?hub.challenge=1`);
    expect(refused.status).toBe(405);
    expect(refused.json.error).toBe('method_not_allowed');
    expect(await deliveriesOf(meta.id)).toHaveLength(0);
  });

  it('answers HEAD and OPTIONS for a known app, and the same for an unknown key', async () => {
    const app = await createSignedApp(h, { scheme: 'github' });
    const url = `${h.baseUrl}/webhook/${app.key}`;
    const head = await request(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    const options = await request(url, { method: 'OPTIONS' });
    expect(options.status).toBe(204);
    expect(options.headers.get('allow')).toBe('POST, HEAD, OPTIONS');
    expect((await request(`${h.baseUrl}/webhook/no-such-app`, { method: 'HEAD' })).status).toBe(200);
    expect(await deliveriesOf(app.id)).toHaveLength(0);
  });

  it('refuses an unknown signature option, naming it', async () => {
    await expect(
      h.caller.apps.create({
        key: 'bad-options',
        name: 'Bad',
        signature: { scheme: 'github', challenge: 'hub.challenge' } as never,
      }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('Unrecognized key: "challenge"'),
    });
  });
});

describe('metrics of replies and handshakes', () => {
  function count(text: string, labels: Record<string, string>): number {
    const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
    const line = text
      .split('\n')
      .find(
        (l) =>
          l.startsWith('weft_webhooks_total{') && wanted.every((w) => l.slice(0, l.indexOf('}')).includes(w)),
      );
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  }
  const scrape = async () => (await request(`${h.baseUrl}/metrics`)).text;

  it("counts a run's reply as replied and probes as handshakes", async () => {
    const app = await createSignedApp(h, { scheme: 'github' });
    const scenarioId = await replyScenario(app);
    const before = await scrape();
    const answer = postSigned(h, app, JSON.stringify({ id: 'm' }), { id: 'gh-metrics' });
    await settleReplyStep(await firstRunIdOf(scenarioId), { status: 200, headers: {}, body: 'ok' });
    expect((await answer).status).toBe(200);
    await request(`${h.baseUrl}/webhook/${app.key}`, { method: 'HEAD' });
    await request(`${h.baseUrl}/webhook/${app.key}`, { method: 'OPTIONS' });
    const after = await scrape();
    expect(
      count(after, { app: app.id, outcome: 'replied' }) - count(before, { app: app.id, outcome: 'replied' }),
    ).toBe(1);
    expect(
      count(after, { app: app.id, outcome: 'handshake' }) -
        count(before, { app: app.id, outcome: 'handshake' }),
    ).toBe(2);
    expect(count(after, { app: app.id, outcome: 'duplicate' })).toBe(0);
  });
});
