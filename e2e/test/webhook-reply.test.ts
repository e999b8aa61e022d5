import { createHmac } from 'node:crypto';
import type { ScenarioNode } from '@weft/core';
import { createWorkspace, type toObjectId } from '@weft/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openStack,
  postWebhook,
  seedPublishedScenario,
  seedSignedApp,
  signedHeaders,
  waitForFinalRun,
} from './harness.js';
import { startSink } from './sink.js';

/**
 * Webhooks answered by their runs (respond: "node") over the built api and runner as processes:
 * a form provider gets the id of the record its submission created in a CRM (a local sink), a
 * run slower than its timeout is answered 202 and goes on, a retry gets the first reply, and
 * Slack's url_verification, signed as Slack signs it, gets its challenge back.
 */

const FORM_SECRET = 'forms-shared-secret-0123456789';
const SLACK_SECRET = 'slack-signing-secret-0123456789';
const stack = await openStack('e2e_reply');
const { db, apiUrl } = stack;
const sink = await startSink((p, count) =>
  p === '/crm/records' ? { status: 201, body: { id: `rec_${count}` } } : { status: 200, body: { ok: true } },
);
const position = { x: 0, y: 0 };

async function answeringScenario(
  workspaceId: ReturnType<typeof toObjectId>,
  name: string,
  nodes: ScenarioNode[],
): Promise<void> {
  const edges = nodes.slice(1).map((node, index) => ({
    id: `e${index}`,
    source: nodes[index]!.id,
    sourceHandle: 'out',
    target: node.id,
    targetHandle: 'in',
  }));
  await seedPublishedScenario(db, workspaceId, { name, draft: { nodes, edges } });
}

beforeAll(async () => {
  const workspace = await createWorkspace(db.models, 'e2e replies');
  const appOf = (key: string, scheme: 'generic' | 'slack', secret: string) =>
    seedSignedApp(stack, workspace._id, { key, scheme, secret });
  const forms = await appOf('e2e-forms', 'generic', FORM_SECRET);
  const slow = await appOf('e2e-slow', 'generic', FORM_SECRET);
  const slack = await appOf('e2e-slack', 'slack', SLACK_SECRET);
  const reply = (config: Record<string, unknown>): ScenarioNode => ({
    id: 'reply',
    type: 'webhook.respond',
    version: 1,
    config,
    position,
  });
  await answeringScenario(workspace._id, 'Form to CRM', [
    { id: 'hook', type: 'trigger.webhook', version: 1, config: { appId: forms, respond: 'node' }, position },
    {
      id: 'create',
      type: 'http.request',
      version: 2,
      config: { method: 'POST', url: `${sink.url}/crm/records`, body: '{{ trigger.body }}' },
      retry: { maxAttempts: 1 },
      position,
    },
    reply({
      status: 201,
      headers: { 'X-Record-Id': '{{ nodes.create.body.id }}' },
      body: { recordId: '{{ nodes.create.body.id }}', email: '{{ trigger.body.email }}' },
    }),
    {
      id: 'after',
      type: 'http.request',
      version: 2,
      config: { method: 'POST', url: `${sink.url}/after-reply`, body: '{{ nodes.reply }}' },
      position,
    },
  ]);
  await answeringScenario(workspace._id, 'Slow answer', [
    {
      id: 'hook',
      type: 'trigger.webhook',
      version: 1,
      config: { appId: slow, respond: 'node', respondTimeoutMs: 1_000 },
      position,
    },
    { id: 'wait', type: 'delay', version: 1, config: { durationMs: 3_000 }, position },
    reply({ status: 200, body: 'late but here' }),
  ]);
  await answeringScenario(workspace._id, 'Slack events', [
    { id: 'hook', type: 'trigger.webhook', version: 1, config: { appId: slack }, position },
    { id: 'log', type: 'logger', version: 1, config: { message: '{{ trigger.body.type }}' }, position },
  ]);

  await stack.start({ token: `weft_${'r'.repeat(43)}`, runners: ['e2e-reply-runner'] });
});

afterAll(async () => {
  await stack.stop();
  await sink.close();
});

function post(appKey: string, body: unknown, id: string) {
  const raw = JSON.stringify(body);
  return postWebhook(stack, appKey, raw, { 'idempotency-key': id, ...signedHeaders(FORM_SECRET, raw) });
}

const finished = (runId: string) => waitForFinalRun(db, runId);

const deliveryOf = (deliveryId: string) => db.models.WebhookDelivery.findOne({ deliveryId }).lean().exec();

describe('respond: "node" over the built api and runner', () => {
  it('answers with a body computed from the HTTP step; the run goes on after the reply; a retry gets the first reply', async () => {
    const response = await post('e2e-forms', { email: 'ada@example.com' }, 'form-1');
    expect(response.status).toBe(201);
    const recordId = response.headers.get('x-record-id');
    expect(recordId).toMatch(/^rec_\d+$/);
    expect(await response.json()).toEqual({ recordId, email: 'ada@example.com' });

    const delivery = await deliveryOf('form-1');
    expect(delivery?.runIds).toHaveLength(1);
    const run = await finished(delivery!.runIds[0]!.toHexString());
    expect(run.status).toBe('succeeded');
    expect(run.steps.find((s) => s.nodeId === 'reply')?.output).toEqual({
      status: 201,
      headers: { 'X-Record-Id': recordId },
      body: { recordId, email: 'ada@example.com' },
    });
    expect(sink.requests.filter((r) => r.path === '/after-reply')).toHaveLength(1);

    const retry = await post('e2e-forms', { email: 'ada@example.com' }, 'form-1');
    expect(retry.status).toBe(201);
    expect(retry.headers.get('x-record-id')).toBe(recordId);
    expect(await retry.json()).toEqual({ recordId, email: 'ada@example.com' });
    // One record: the retry started nothing.
    expect(sink.requests.filter((r) => r.path === '/crm/records')).toHaveLength(1);
    expect(await db.models.Run.countDocuments({ _id: { $in: delivery!.runIds } })).toBe(1);
  });

  it('answers 202 when the reply is later than the timeout; the run goes on and a later retry gets its reply', async () => {
    const response = await post('e2e-slow', { n: 1 }, 'slow-1');
    expect(response.status).toBe(202);
    const { runIds } = (await response.json()) as { runIds: string[] };
    expect(runIds).toHaveLength(1);
    const run = await finished(runIds[0]!);
    expect(run.status).toBe('succeeded');
    expect((await deliveryOf('slow-1'))?.reply ?? null).toBeNull();

    const retry = await post('e2e-slow', { n: 1 }, 'slow-1');
    expect(retry.status).toBe(200);
    expect(retry.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await retry.text()).toBe('late but here');
    expect((await deliveryOf('slow-1'))?.reply).toMatchObject({ status: 200, nodeId: 'reply' });
  });
});

describe("Slack's url_verification", () => {
  const challengeBody = JSON.stringify({
    token: 'Jhj5dZrVaK7ZwHHjRyZWjbDl',
    challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P',
    type: 'url_verification',
  });
  // As Slack signs: v0=hex(HMAC-SHA256(signing secret, "v0:<timestamp>:<raw body>")).
  const slackHeaders = (secret: string) => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const digest = createHmac('sha256', secret).update(`v0:${timestamp}:${challengeBody}`).digest('hex');
    return {
      'content-type': 'application/json',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': `v0=${digest}`,
    };
  };

  it('is answered with the challenge when signed with the signing secret, and stores nothing', async () => {
    const response = await fetch(`${apiUrl}/webhook/e2e-slack`, {
      method: 'POST',
      headers: slackHeaders(SLACK_SECRET),
      body: challengeBody,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P',
    });

    const forged = await fetch(`${apiUrl}/webhook/e2e-slack`, {
      method: 'POST',
      headers: slackHeaders('someone-else-0123456789'),
      body: challengeBody,
    });
    expect(forged.status).toBe(401);
    const slackApp = await db.models.App.findOne({ key: 'e2e-slack' }).lean().exec();
    expect(await db.models.WebhookDelivery.countDocuments({ appId: slackApp!._id })).toBe(0);
  });
});
