import { type SignatureConfigInput, signatureSchemes } from '@weft/core';
import { signWebhook } from '@weft/core/hmac';
import { toObjectId } from '@weft/db';
import { describe, expect, it } from 'vitest';
import {
  createSignedApp,
  jobsFor,
  postSigned,
  request,
  SECRETS,
  uniqueKey,
  webhookScenario,
} from './harness.js';
import { useApi } from './harness.js';

const BODY_LIMIT = 64 * 1024;
const h = useApi({ limits: { webhookBodyLimitBytes: BODY_LIMIT } });

function deliveriesOf(appId: string) {
  return h.db.models.WebhookDelivery.find({ appId: toObjectId(appId) })
    .lean()
    .exec();
}

function runsOf(scenarioId: string) {
  return h.db.models.Run.find({ scenarioId: toObjectId(scenarioId) })
    .lean()
    .exec();
}

describe('POST /webhook/:appKey: a signed delivery of each scheme', () => {
  it.each(signatureSchemes)('%s: 202, delivery stored, a queued run (claimed by runners from the run-insert stream, no job)', async (scheme) => {
    const app = await createSignedApp(h, { scheme });
    const scenarioId = await webhookScenario(h, app.id);
    const body = JSON.stringify({ id: `evt_${scheme}_1`, type: 'order.created', total: 42 });

    const answer = await postSigned(h, app, body, { id: `delivery-${scheme}-1` });

    expect(answer.status).toBe(202);
    expect(answer.json.runIds).toHaveLength(1);
    expect(typeof answer.json.deliveryId).toBe('string');
    const [delivery, ...others] = await deliveriesOf(app.id);
    expect(others).toHaveLength(0);
    expect(delivery).toMatchObject({
      deliveryId: answer.json.deliveryId,
      body,
      bodyEncoding: 'utf8',
      sizeBytes: Buffer.byteLength(body),
      contentType: 'application/json',
    });
    expect(delivery!.runIds.map(String)).toEqual(answer.json.runIds);
    // The dispatch mark follows the answer (the runs are stored before it).
    await expect
      .poll(async () => (await deliveriesOf(app.id))[0]?.dispatchedAt, { timeout: 30_000 })
      .toBeInstanceOf(Date);

    const runs = await runsOf(scenarioId);
    expect(runs).toHaveLength(1);
    const [run] = runs;
    expect(String(run!._id)).toBe(answer.json.runIds[0]);
    expect(run).toMatchObject({
      status: 'queued',
      trigger: { kind: 'webhook', deliveryId: delivery!._id },
      correlationId: answer.json.deliveryId,
      input: {
        body: { id: `evt_${scheme}_1`, type: 'order.created', total: 42 },
        deliveryId: answer.json.deliveryId,
      },
    });
    expect((run!.input as { receivedAt: string }).receivedAt).toBe(delivery!.receivedAt.toISOString());
    expect(run!.steps.map((s) => [s.nodeId, s.nodeType, s.status])).toEqual([
      ['hook', 'trigger.webhook', 'pending'],
      ['log', 'logger', 'pending'],
    ]);
    // New runs need no Agenda job: runners claim them from the stream of run inserts.
    expect(await jobsFor(h, answer.json.runIds)).toHaveLength(0);
  });

  it.each([
    ['github', 'scheme', 'delivery-gh-7'],
    ['standard-webhooks', 'scheme', 'delivery-sw-7'],
    ['shopify', 'scheme', 'delivery-sh-7'],
    ['stripe', 'scheme', 'evt_stripe_7'],
  ] as const)('%s: the delivery id comes from the scheme', async (scheme, source, expected) => {
    const app = await createSignedApp(h, { scheme });
    const answer = await postSigned(h, app, JSON.stringify({ id: 'evt_stripe_7' }), { id: expected });
    expect(answer.status).toBe(202);
    expect(answer.json.deliveryId).toBe(expected);
    const [delivery] = await deliveriesOf(app.id);
    expect(delivery!.deliveryIdSource).toBe(source);
  });

  it('without a scheme id: Idempotency-Key, else the SHA-256 of the body', async () => {
    const app = await createSignedApp(h, { scheme: 'slack' });
    const keyed = await postSigned(h, app, '{"a":1}', { headers: { 'Idempotency-Key': 'order-77' } });
    expect(keyed.status).toBe(202);
    expect(keyed.json.deliveryId).toBe('order-77');
    const hashed = await postSigned(h, app, '{"a":2}');
    expect(hashed.status).toBe(202);
    expect(hashed.json.deliveryId).toMatch(/^sha256:[0-9a-f]{64}$/);
    const sources = (await deliveriesOf(app.id)).map((d) => d.deliveryIdSource).sort();
    expect(sources).toEqual(['body_hash', 'idempotency_key']);
  });
});

describe('duplicates', () => {
  it("a partner's retry answers 200 idempotent with the original run ids and creates nothing", async () => {
    const app = await createSignedApp(h, { scheme: 'github' });
    const scenarioId = await webhookScenario(h, app.id);
    const first = await postSigned(h, app, '{"n":1}', { id: 'retry-me' });
    const retry = await postSigned(h, app, '{"n":1}', { id: 'retry-me' });
    expect(first.status).toBe(202);
    expect(retry.status).toBe(200);
    expect(retry.json).toEqual({ idempotent: true, deliveryId: 'retry-me', runIds: first.json.runIds });
    expect(await deliveriesOf(app.id)).toHaveLength(1);
    expect(await runsOf(scenarioId)).toHaveLength(1);
    expect(await jobsFor(h, first.json.runIds)).toHaveLength(0);
  });

  it('50 concurrent copies of one delivery: one delivery, one set of runs, the same run ids in every answer', async () => {
    const app = await createSignedApp(h, { scheme: 'standard-webhooks' });
    const scenarioA = await webhookScenario(h, app.id);
    const scenarioB = await webhookScenario(h, app.id);
    const body = Buffer.from('{"event":"burst"}');
    const headers = signWebhook({
      config: app.signature,
      secret: app.secret,
      rawBody: body,
      id: 'msg_burst',
    });
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        request(`${h.baseUrl}/webhook/${app.key}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body,
        }),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(49);
    const runIds = answers[0]!.json.runIds as string[];
    expect(runIds).toHaveLength(2);
    for (const answer of answers) {
      expect(answer.json.deliveryId).toBe('msg_burst');
      expect(answer.json.runIds).toEqual(runIds);
    }
    expect(await deliveriesOf(app.id)).toHaveLength(1);
    const runs = [...(await runsOf(scenarioA)), ...(await runsOf(scenarioB))];
    expect(runs.map((r) => String(r._id)).sort()).toEqual([...runIds].sort());
    expect(runs.map((r) => r.status)).toEqual(['queued', 'queued']);
    expect(await jobsFor(h, runIds)).toHaveLength(0);
  });
});

describe('rejections: 401 with a reason code, nothing stored', () => {
  it.each(signatureSchemes)('%s: a wrong signature is signature_mismatch', async (scheme) => {
    const app = await createSignedApp(h, { scheme });
    await webhookScenario(h, app.id);
    const wrongSecret =
      scheme === 'standard-webhooks' ? 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSA' : 'not-the-secret';
    const answer = await postSigned(h, app, '{"id":"evt_bad"}', { secret: wrongSecret });
    expect(answer.status).toBe(401);
    expect(answer.json.error).toBe('signature_mismatch');
    expect(answer.json.message).toEqual(expect.any(String));
    expect(answer.text).not.toContain(app.secret);
    expect(await deliveriesOf(app.id)).toHaveLength(0);
    expect(await h.db.models.Run.countDocuments({ 'input.body.id': 'evt_bad' })).toBe(0);
  });

  it.each(signatureSchemes)('%s: no signature at all is missing_signature', async (scheme) => {
    const app = await createSignedApp(h, { scheme });
    const answer = await request(`${h.baseUrl}/webhook/${app.key}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"unsigned":true}',
    });
    expect(answer.status).toBe(401);
    expect(answer.json.error).toBe('missing_signature');
    expect(await deliveriesOf(app.id)).toHaveLength(0);
  });

  it.each(['stripe', 'slack', 'standard-webhooks'] as const)(
    '%s: a timestamp outside the window is timestamp_out_of_window',
    async (scheme) => {
      const app = await createSignedApp(h, { scheme, toleranceSec: 300 });
      const answer = await postSigned(h, app, '{"id":"evt_old"}', {
        now: new Date(Date.now() - 10 * 60_000),
      });
      expect(answer.status).toBe(401);
      expect(answer.json.error).toBe('timestamp_out_of_window');
      expect(await deliveriesOf(app.id)).toHaveLength(0);
    },
  );

  it('a body changed after signing is refused', async () => {
    const app = await createSignedApp(h, { scheme: 'generic' });
    const headers = signWebhook({
      config: app.signature,
      secret: app.secret,
      rawBody: Buffer.from('{"a":1}'),
    });
    const answer = await request(`${h.baseUrl}/webhook/${app.key}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: '{"a": 1}',
    });
    expect(answer.status).toBe(401);
    expect(answer.json.error).toBe('signature_mismatch');
  });

  it('an app without a webhook secret refuses everything as a mismatch (nothing can match; nothing said of the app)', async () => {
    const key = uniqueKey('nosecret');
    const app = await h.caller.apps.create({ key, name: 'No secret', signature: { scheme: 'github' } });
    const answer = await postSigned(
      h,
      { id: app.id, key, secret: 'anything', signature: { scheme: 'github' } },
      '{}',
    );
    expect(answer.status).toBe(401);
    expect(answer.json.error).toBe('signature_mismatch');
    expect(await deliveriesOf(app.id)).toHaveLength(0);
  });
});

describe('other answers', () => {
  it('a body over the limit is 413 and nothing is stored', async () => {
    const app = await createSignedApp(h, { scheme: 'github' });
    const big = Buffer.alloc(BODY_LIMIT + 1, 'a');
    const answer = await postSigned(h, app, big, { headers: { 'content-type': 'text/plain' } });
    expect(answer.status).toBe(413);
    expect(answer.json.error).toBe('payload_too_large');
    expect(await deliveriesOf(app.id)).toHaveLength(0);
    const atLimit = await postSigned(h, app, Buffer.alloc(BODY_LIMIT, 'a'), {
      headers: { 'content-type': 'text/plain' },
    });
    expect(atLimit.status).toBe(202);
  });

  it('GET on a webhook URL is 405 unless the app has a GET challenge, for an unknown key too', async () => {
    const app = await createSignedApp(h, { scheme: 'github' });
    const answer = await request(`${h.baseUrl}/webhook/${app.key}`);
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe('POST, HEAD, OPTIONS');
    expect((await request(`${h.baseUrl}/webhook/some-app`)).status).toBe(405);
    const put = await request(`${h.baseUrl}/webhook/${app.key}`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('POST');
  });
});

describe('bodies and headers', () => {
  it('a non-JSON body is accepted and kept as text', async () => {
    const app = await createSignedApp(h, { scheme: 'generic' });
    const scenarioId = await webhookScenario(h, app.id);
    const text = 'plain text, not { json';
    const answer = await postSigned(h, app, text, {
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
    expect(answer.status).toBe(202);
    const [delivery] = await deliveriesOf(app.id);
    expect(delivery).toMatchObject({
      body: text,
      bodyEncoding: 'utf8',
      contentType: 'text/plain; charset=utf-8',
    });
    const [run] = await runsOf(scenarioId);
    expect((run!.input as { body: unknown }).body).toBe(text);
  });

  it('a body that is not UTF-8 is kept as base64, byte for byte', async () => {
    const app = await createSignedApp(h, { scheme: 'shopify' });
    const bytes = Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xff, 0x00, 0x41]);
    const answer = await postSigned(h, app, bytes, {
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(answer.status).toBe(202);
    const [delivery] = await deliveriesOf(app.id);
    expect(delivery!.bodyEncoding).toBe('base64');
    expect(Buffer.from(delivery!.body, 'base64').equals(bytes)).toBe(true);
  });

  it('a form post is handed to scenarios as fields', async () => {
    const app = await createSignedApp(h, { scheme: 'slack' });
    const scenarioId = await webhookScenario(h, app.id, { filter: 'body.command = "/deploy"' });
    const answer = await postSigned(h, app, 'command=%2Fdeploy&text=prod&__proto__=x', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(answer.status).toBe(202);
    expect(answer.json.runIds).toHaveLength(1);
    const [run] = await runsOf(scenarioId);
    expect((run!.input as { body: unknown }).body).toEqual({
      command: '/deploy',
      text: 'prod',
      ['__proto__']: 'x',
    });
  });

  it('credentials in headers are redacted, signature headers kept', async () => {
    const app = await createSignedApp(h, { scheme: 'github' });
    const scenarioId = await webhookScenario(h, app.id);
    const answer = await postSigned(h, app, '{"x":1}', {
      headers: {
        authorization: 'Bearer partner-credential',
        cookie: 'session=abc',
        'x-shopify-access-token': 'shpat_credential',
        'x-custom': 'visible',
      },
    });
    expect(answer.status).toBe(202);
    const [delivery] = await deliveriesOf(app.id);
    expect(delivery!.headers).toMatchObject({
      authorization: '[redacted]',
      cookie: '[redacted]',
      'x-shopify-access-token': '[redacted]',
      'x-custom': 'visible',
      'x-hub-signature-256': expect.stringMatching(/^sha256=[0-9a-f]{64}$/),
      'x-github-delivery': expect.any(String),
    });
    const [run] = await runsOf(scenarioId);
    const stored = JSON.stringify([delivery, run]);
    for (const secret of ['partner-credential', 'session=abc', 'shpat_credential', app.secret]) {
      expect(stored).not.toContain(secret);
    }
  });
});

describe('which scenarios run', () => {
  it('the trigger filter decides: true runs, false does not', async () => {
    const app = await createSignedApp(h, { scheme: 'github' });
    const created = await webhookScenario(h, app.id, { filter: 'body.type = "order.created"' });
    const viaTrigger = await webhookScenario(h, app.id, { filter: 'trigger.body.total > 100' });
    const refunded = await webhookScenario(h, app.id, { filter: 'body.type = "order.refunded"' });
    const byHeader = await webhookScenario(h, app.id, { filter: 'headers."x-shop" = "north"' });

    const answer = await postSigned(h, app, JSON.stringify({ type: 'order.created', total: 150 }), {
      headers: { 'x-shop': 'south' },
    });
    expect(answer.status).toBe(202);
    expect(answer.json.runIds).toHaveLength(2);
    expect(await runsOf(created)).toHaveLength(1);
    expect(await runsOf(viaTrigger)).toHaveLength(1);
    expect(await runsOf(refunded)).toHaveLength(0);
    expect(await runsOf(byHeader)).toHaveLength(0);

    const north = await postSigned(h, app, JSON.stringify({ type: 'order.refunded', total: 5 }), {
      headers: { 'x-shop': 'north' },
    });
    expect(north.json.runIds).toHaveLength(2);
    expect(await runsOf(refunded)).toHaveLength(1);
    expect(await runsOf(byHeader)).toHaveLength(1);
  });

  it('a filter that fails to evaluate does not run, and the webhook is still accepted', async () => {
    const app = await createSignedApp(h, { scheme: 'github' });
    const broken = await webhookScenario(h, app.id, { filter: '$notAFunction(body)' });
    const answer = await postSigned(h, app, '{"a":1}');
    expect(answer.status).toBe(202);
    expect(answer.json.runIds).toEqual([]);
    expect(await runsOf(broken)).toHaveLength(0);
  });

  it('disabled and unpublished scenarios do not run; the delivery is still stored', async () => {
    const app = await createSignedApp(h, { scheme: 'github' });
    const disabled = await webhookScenario(h, app.id, { enabled: false });
    const unpublished = await webhookScenario(h, app.id, { publish: false });
    const answer = await postSigned(h, app, '{"a":1}');
    expect(answer.status).toBe(202);
    expect(answer.json.runIds).toEqual([]);
    expect(await runsOf(disabled)).toHaveLength(0);
    expect(await runsOf(unpublished)).toHaveLength(0);
    expect(await deliveriesOf(app.id)).toHaveLength(1);

    await h.caller.scenarios.setEnabled({ id: disabled, enabled: true });
    const again = await postSigned(h, app, '{"a":2}');
    expect(again.json.runIds).toHaveLength(1);
    expect(await runsOf(disabled)).toHaveLength(1);
  });

  it('a run is pinned to the published version, not the draft edited since', async () => {
    const app = await createSignedApp(h, { scheme: 'github' });
    const scenarioId = await webhookScenario(h, app.id);
    const scenario = await h.caller.scenarios.get({ id: scenarioId });
    const draft = {
      nodes: [...scenario.draft.nodes, { id: 'extra', type: 'logger', version: 1, config: { message: 'x' } }],
      edges: [...scenario.draft.edges, { id: 'e2', source: 'log', target: 'extra' }],
    };
    await h.caller.scenarios.updateDraft({ id: scenarioId, revision: scenario.revision, draft });
    const answer = await postSigned(h, app, '{"pinned":true}');
    const [run] = await runsOf(scenarioId);
    expect(String(run!._id)).toBe(answer.json.runIds[0]);
    expect(run!.version).toBe(1);
    expect(run!.steps.map((s) => s.nodeId)).toEqual(['hook', 'log']);
  });

  it('scenarios of another app are not started', async () => {
    const app = await createSignedApp(h, { scheme: 'github' });
    const other = await createSignedApp(h, { scheme: 'github' });
    const otherScenario = await webhookScenario(h, other.id);
    const answer = await postSigned(h, app, '{"a":1}');
    expect(answer.json.runIds).toEqual([]);
    expect(await runsOf(otherScenario)).toHaveLength(0);
  });

  it('a connection created after the first webhook is picked up at once (the app cache is invalidated)', async () => {
    const key = uniqueKey('late');
    const signature: SignatureConfigInput = { scheme: 'github' };
    const created = await h.caller.apps.create({ key, name: 'Late secret', signature });
    const app = { id: created.id, key, secret: SECRETS.github, signature };
    expect((await postSigned(h, app, '{}')).json.error).toBe('signature_mismatch');
    await h.caller.connections.create({
      appId: app.id,
      name: 'Default',
      secrets: { webhookSecret: app.secret },
    });
    expect((await postSigned(h, app, '{}')).status).toBe(202);
  });
});
