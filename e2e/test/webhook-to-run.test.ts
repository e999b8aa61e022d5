import { type SignatureScheme, signatureSchemes } from '@weft/core';
import { createWorkspace, type toObjectId } from '@weft/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openStack,
  postWebhook,
  seedPublishedScenario,
  seedSignedApp,
  signedHeaders,
  stepOf,
  waitForFinalRun,
} from './harness.js';
import { startSink } from './sink.js';

const SECRETS: Record<SignatureScheme, string> = {
  generic: 'generic-shared-secret-0123456789',
  github: 'github-webhook-secret-0123456789',
  stripe: 'whsec_stripe_endpoint_secret_0123',
  'standard-webhooks': 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  slack: 'slack-signing-secret-0123456789ab',
  shopify: 'shpss_shopify_client_secret_01234',
};

const stack = await openStack('e2e');
const { db, apiUrl } = stack;
const sink = await startSink((p, count) => {
  if (p.startsWith('/flaky') && count <= 2) return { status: 503, body: { busy: true } };
  if (p.startsWith('/missing')) return { status: 404, body: { error: 'no such order' } };
  return { status: 200, body: { accepted: true } };
});

/** One app per scheme, each with a scenario: webhook → HTTP call → condition → logger (true) / logger (false). */
const appKeys = new Map<SignatureScheme, string>();

async function seedScenario(
  workspaceId: ReturnType<typeof toObjectId>,
  appId: string,
  name: string,
  callPath: string,
) {
  await seedPublishedScenario(db, workspaceId, {
    name,
    draft: {
      nodes: [
        { id: 'hook', type: 'trigger.webhook', version: 1, config: { appId } },
        {
          id: 'call',
          type: 'http.request',
          version: 2,
          config: {
            method: 'POST',
            url: `${sink.url}${callPath}`,
            body: { order: '{{ trigger.body.order }}' },
          },
          retry: { initialDelayMs: 200, maxDelayMs: 400 },
        },
        { id: 'check', type: 'condition', version: 1, config: { expression: 'trigger.body.amount > 10' } },
        { id: 'big', type: 'logger', version: 1, config: { message: 'big order {{ trigger.body.order }}' } },
        { id: 'small', type: 'logger', version: 1, config: { message: 'small order' } },
      ],
      edges: [
        { id: 'e1', source: 'hook', target: 'call' },
        { id: 'e2', source: 'call', target: 'check' },
        { id: 'e3', source: 'check', sourceHandle: 'true', target: 'big' },
        { id: 'e4', source: 'check', sourceHandle: 'false', target: 'small' },
      ],
    },
  });
}

beforeAll(async () => {
  const workspace = await createWorkspace(db.models, 'e2e');
  for (const scheme of signatureSchemes) {
    const appKey = `e2e-${scheme}`;
    appKeys.set(scheme, appKey);
    const appId = await seedSignedApp(stack, workspace._id, {
      key: appKey,
      name: scheme,
      scheme,
      secret: SECRETS[scheme],
    });
    await seedScenario(workspace._id, appId, `orders via ${scheme}`, `/orders/${scheme}`);
  }
  for (const [appKey, callPath] of [
    ['e2e-flaky', '/flaky'],
    ['e2e-missing', '/missing'],
  ] as const) {
    const appId = await seedSignedApp(stack, workspace._id, { key: appKey, secret: SECRETS.generic });
    await seedScenario(workspace._id, appId, appKey, callPath);
  }

  await stack.start({
    token: `weft_${'e'.repeat(43)}`,
    runners: ['e2e-runner'],
    apiEnv: { WEFT_WEBHOOK_BODY_LIMIT: '64kb' },
  });
});

afterAll(async () => {
  await stack.stop();
  await sink.close();
});

const signed = (scheme: SignatureScheme, body: string) => signedHeaders(SECRETS[scheme], body, scheme);

async function send(appKey: string, headers: Record<string, string>, body: string) {
  const response = await postWebhook(stack, appKey, body, headers);
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const post = (appKey: string, scheme: SignatureScheme, body: string) =>
  send(appKey, signed(scheme, body), body);

const finished = (runId: string) => waitForFinalRun(db, runId);

describe('a signed webhook runs its scenario to completion', () => {
  it.each(signatureSchemes)(
    '%s: 202, the run succeeds, the HTTP node called the sink once with its idempotency key',
    async (scheme) => {
      const order = `o-${scheme}`;
      const answer = await post(
        appKeys.get(scheme)!,
        scheme,
        JSON.stringify({ id: `evt_${scheme}`, order, amount: 42 }),
      );
      expect(answer.status).toBe(202);
      const [runId] = answer.json.runIds as string[];
      const run = await finished(runId!);
      expect(run.status).toBe('succeeded');
      expect(stepOf(run, 'call')).toMatchObject({
        status: 'succeeded',
        attempts: 1,
        output: { status: 200, body: { accepted: true } },
      });
      expect(stepOf(run, 'big')?.status).toBe('succeeded');
      expect(stepOf(run, 'small')?.status).toBe('skipped');
      const calls = sink.requests.filter((r) => r.path === `/orders/${scheme}`);
      expect(calls).toHaveLength(1);
      expect(calls[0]?.headers['idempotency-key']).toBe(`${runId}:call`);
      expect(JSON.parse(calls[0]?.body ?? '')).toEqual({ order });
      const logs = await db.models.RunLog.find({ runId: run._id }).lean().exec();
      expect(logs.map((l) => l.message)).toContain(`big order ${order}`);
    },
  );

  it('a retried delivery answers 200 idempotent with the original runs and runs nothing again', async () => {
    const body = JSON.stringify({ id: 'evt_dup', order: 'dup', amount: 1 });
    // The partner retries the very same request: same delivery id header, same signature.
    const headers = signed('github', body);
    const first = await send(appKeys.get('github')!, headers, body);
    expect(first.status).toBe(202);
    const run = await finished((first.json.runIds as string[])[0]!);
    expect(stepOf(run, 'small')?.status).toBe('succeeded');
    expect(stepOf(run, 'big')?.status).toBe('skipped');
    const again = await send(appKeys.get('github')!, headers, body);
    expect(again).toEqual({
      status: 200,
      json: { idempotent: true, deliveryId: first.json.deliveryId, runIds: first.json.runIds },
    });
    expect(await db.models.Run.countDocuments({ 'trigger.deliveryId': run.trigger.deliveryId })).toBe(1);
  });

  it('refuses a bad signature (401), an unknown app as a bad signature (401) and a body over the limit (413), storing nothing', async () => {
    const before = await db.models.WebhookDelivery.countDocuments();
    const forged = await fetch(`${apiUrl}/webhook/${appKeys.get('github')}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
      body: '{"order":"forged"}',
    });
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ error: 'signature_mismatch' });
    const unknown = await post('no-such-app', 'generic', '{}');
    expect(unknown.status).toBe(401);
    expect(unknown.json).toMatchObject({ error: 'signature_mismatch' });
    expect(
      (await post(appKeys.get('generic')!, 'generic', JSON.stringify({ pad: 'x'.repeat(70_000) }))).status,
    ).toBe(413);
    expect(await db.models.WebhookDelivery.countDocuments()).toBe(before);
  });

  it('a node that fails twice is retried with backoff and succeeds on the third attempt', async () => {
    const answer = await post('e2e-flaky', 'generic', JSON.stringify({ order: 'flaky', amount: 50 }));
    const run = await finished((answer.json.runIds as string[])[0]!);
    expect(run.status).toBe('succeeded');
    expect(stepOf(run, 'call')).toMatchObject({ status: 'succeeded', attempts: 3 });
    const calls = sink.requests.filter((r) => r.path === '/flaky');
    expect(calls).toHaveLength(3);
    // Every attempt carries the same idempotency key, so the receiver can dedupe.
    expect(new Set(calls.map((c) => c.headers['idempotency-key']))).toEqual(
      new Set([`${run._id.toHexString()}:call`]),
    );
    const retries = await db.models.RunLog.find({ runId: run._id, level: 'warn' }).lean().exec();
    expect(retries.map((l) => l.message)).toEqual([
      expect.stringMatching(/^attempt 1 failed \(http_5xx\); retrying in \d+ ms$/),
      expect.stringMatching(/^attempt 2 failed/),
    ]);
  });

  it('a fatal error fails the run at once and skips the rest', async () => {
    const answer = await post('e2e-missing', 'generic', JSON.stringify({ order: 'missing', amount: 50 }));
    const run = await finished((answer.json.runIds as string[])[0]!);
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'http_4xx' });
    expect(stepOf(run, 'call')).toMatchObject({ status: 'failed', attempts: 1 });
    expect(['skipped', 'pending']).toContain(stepOf(run, 'check')?.status);
    expect(sink.requests.filter((r) => r.path === '/missing')).toHaveLength(1);
  });
});
