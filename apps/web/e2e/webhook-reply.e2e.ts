/**
 * Replies to the webhook caller in a real browser: a `webhook.respond` node under a trigger that
 * answers 202 at once is a problem on the canvas until the trigger's respond field is set to
 * "node" in its form; the dry-run shows the reply the caller would get; a signed webhook is
 * answered by the published scenario, and the run view and the delivery page show that reply.
 */
import { signWebhook } from '@weft/core/hmac';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onCanvas } from './canvas';
import {
  launchBrowser,
  newPage,
  type Stack,
  screenshot,
  signIn,
  startStack,
  apiClient,
  type ApiClient,
} from './harness';

const SECRET = 'forms-browser-secret-0123456789';
let stack: Stack;
let browser: Browser;
let page: Page;
let client: ApiClient;
const ids = { app: '', scenario: '', appKey: 'forms-browser' };
const position = { x: 0, y: 0 };

beforeAll(async () => {
  stack = await startStack('webhook_reply');
  browser = await launchBrowser();
  ({ page } = await newPage(browser));
  client = apiClient(stack);
  const app = await client.apps.create.mutate({
    key: ids.appKey,
    name: 'Forms',
    signature: { scheme: 'generic' },
  });
  await client.connections.create.mutate({
    appId: app.id,
    name: 'Forms',
    secrets: { webhookSecret: SECRET },
  });
  const scenario = await client.scenarios.create.mutate({
    name: 'Form reply',
    draft: {
      nodes: [
        { id: 'hook', type: 'trigger.webhook', version: 1, config: { appId: app.id }, position },
        {
          id: 'reply',
          type: 'webhook.respond',
          version: 1,
          config: { status: 201, body: { received: '{{ trigger.body.email }}' } },
          position: { x: 300, y: 0 },
        },
      ],
      edges: [{ id: 'e1', source: 'hook', target: 'reply' }],
    },
  });
  Object.assign(ids, { app: app.id, scenario: scenario.id });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const { node } = onCanvas(() => page);

describe('webhook.respond in the editor, the dry-run and the run view', () => {
  it('is a canvas problem until the trigger waits for it, set in the trigger form', async () => {
    await signIn(page, stack);
    await page.goto(`${stack.webUrl}/#/scenarios/${ids.scenario}`);
    await node('reply').waitFor();
    await expect
      .poll(() => node('reply').locator('.node-problem').textContent())
      .toMatch(/the trigger does not wait for it/);

    await node('hook').click({ position: { x: 20, y: 12 } });
    const panel = page.locator('[data-panel-node="hook"]');
    await panel.locator('[data-field="respond"] select').selectOption('node');
    await expect.poll(() => node('reply').getAttribute('data-problems')).toBe('0');
    await expect
      .poll(() => page.getByTestId('save-status').textContent(), { timeout: 10_000 })
      .toBe('All changes saved');
    const saved = await client.scenarios.get.query({ id: ids.scenario });
    expect(saved.draft.nodes.find((n) => n.id === 'hook')?.config).toMatchObject({ respond: 'node' });
    await page.keyboard.press('Escape');
  });

  it('dry-runs with the reply the caller would get', async () => {
    await page.getByRole('button', { name: 'Dry-run' }).click();
    await page.locator('.dry-run textarea').fill('{ "body": { "email": "ada@example.com" }, "headers": {} }');
    await page.getByTestId('run-dry-run').click();
    const reply = page.getByTestId('dry-run-result').getByTestId('webhook-reply');
    await reply.waitFor();
    expect(await reply.textContent()).toMatch(/would get\s*201/);
    expect(await reply.textContent()).toContain('ada@example.com');
    await screenshot(page, 'dry-run-webhook-reply');
  });

  it('answers a signed webhook with the reply and shows it on the run and the delivery', async () => {
    await client.scenarios.publish.mutate({ id: ids.scenario });
    await client.scenarios.setEnabled.mutate({ id: ids.scenario, enabled: true });
    const raw = JSON.stringify({ email: 'grace@example.com' });
    const response = await fetch(`${stack.apiUrl}/webhook/${ids.appKey}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': 'form-browser-1',
        ...signWebhook({ config: { scheme: 'generic' }, secret: SECRET, rawBody: Buffer.from(raw) }),
      },
      body: raw,
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ received: 'grace@example.com' });

    const deliveries = await client.deliveries.list.query({ appId: ids.app, limit: 10 });
    const delivery = deliveries.items[0]!;
    const runId = delivery.runIds[0]!;
    await page.goto(`${stack.webUrl}/#/runs/${runId}`);
    await expect
      .poll(() => page.locator('.run-view').getAttribute('data-run-status'), { timeout: 30_000 })
      .toBe('succeeded');
    await page.locator('[data-step="reply"]').click();
    const shown = page.locator('[data-step-details="reply"]').getByTestId('webhook-reply');
    await shown.waitFor();
    expect(await shown.textContent()).toMatch(/Reply to the webhook's caller\s*201/);
    expect(await shown.textContent()).toContain('grace@example.com');

    await page.goto(`${stack.webUrl}/#/deliveries/${delivery.id}`);
    const sent = page.getByTestId('delivery-reply');
    await sent.waitFor();
    expect(await sent.textContent()).toContain('Answered by node reply');
    expect(await sent.textContent()).toContain('grace@example.com');
    await screenshot(page, 'delivery-webhook-reply');
  });
});
