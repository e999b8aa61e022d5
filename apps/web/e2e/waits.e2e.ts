/**
 * Waits in a real browser: a `wait.approval` node's form names a bad timeout on the canvas and
 * the field, the dry-run simulates the approval, and a published scenario's run waits on its run
 * page until the Approve button decides it; the page then says who approved. A `wait.event` node
 * names a bad delivery key, and its run page shows the key it waits for, then the delivery.
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

let stack: Stack;
let browser: Browser;
let page: Page;
let pageErrors: string[];
let client: ApiClient;
let scenarioId = '';
let eventScenarioId = '';
let payments = { id: '', key: '' };

beforeAll(async () => {
  stack = await startStack('waits');
  browser = await launchBrowser();
  ({ page, errors: pageErrors } = await newPage(browser));
  client = apiClient(stack);
  const scenario = await client.scenarios.create.mutate({
    name: 'Big orders',
    draft: {
      nodes: [
        { id: 'start', type: 'trigger.manual', version: 1, config: {}, position: { x: 0, y: 0 } },
        {
          id: 'approve',
          type: 'wait.approval',
          version: 1,
          config: { message: 'Ship order {{ trigger.id }}?', timeoutMs: 10 },
          position: { x: 300, y: 0 },
        },
      ],
      edges: [{ id: 'e1', source: 'start', target: 'approve' }],
    },
  });
  scenarioId = scenario.id;
  const app = await client.apps.create.mutate({
    key: 'browser-payments',
    name: 'Payments',
    signature: { scheme: 'generic' },
  });
  await client.connections.create.mutate({
    appId: app.id,
    name: 'Default',
    secrets: { webhookSecret: PAY_SECRET },
  });
  payments = { id: app.id, key: app.key };
  const events = await client.scenarios.create.mutate({
    name: 'Ship when paid',
    draft: {
      nodes: [
        { id: 'start', type: 'trigger.manual', version: 1, config: {}, position: { x: 0, y: 0 } },
        {
          id: 'paid',
          type: 'wait.event',
          version: 1,
          config: { appId: app.id, correlationKey: '{{ trigger.id }}', deliveryKey: 'body.(' },
          position: { x: 300, y: 0 },
        },
      ],
      edges: [{ id: 'e1', source: 'start', target: 'paid' }],
    },
  });
  eventScenarioId = events.id;
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const { node } = onCanvas(() => page);
const PAY_SECRET = 'browser-payments-secret-0123456789';

describe('wait.approval in the editor', () => {
  it('names a bad timeout, is fixed in its form, and dry-runs as a simulated approval', async () => {
    await signIn(page, stack);
    await page.goto(`${stack.webUrl}/#/scenarios/${scenarioId}`);
    await node('approve').waitFor();
    await expect.poll(() => node('approve').getAttribute('data-problems')).toBe('1');
    await expect
      .poll(() => node('approve').locator('.node-problem').textContent())
      .toMatch(/timeoutMs must be at least 1000 \(one second\)/);

    await node('approve').click({ position: { x: 20, y: 12 } });
    const panel = page.locator('[data-panel-node="approve"]');
    const timeout = panel.locator('[data-field="timeoutMs"] input');
    await timeout.waitFor();
    expect(await panel.locator('[data-field="message"]').count()).toBe(1);
    await timeout.fill('86400000');
    await expect.poll(() => node('approve').getAttribute('data-problems')).toBe('0');
    await expect
      .poll(() => page.getByTestId('save-status').textContent(), { timeout: 10_000 })
      .toBe('All changes saved');
    expect((await client.scenarios.get.query({ id: scenarioId })).draft.nodes[1]?.config).toEqual({
      message: 'Ship order {{ trigger.id }}?',
      timeoutMs: 86_400_000,
    });
    await page.keyboard.press('Escape');

    await page.getByRole('button', { name: 'Dry-run' }).click();
    await page.locator('.dry-run textarea').fill('{ "id": "o-9" }');
    await page.getByTestId('run-dry-run').click();
    await expect.poll(() => node('approve').getAttribute('data-status')).toBe('succeeded');
  });
});

describe('wait.approval on the run page', () => {
  it('a waiting run shows the question with Approve / Reject; Approve lets it go on and says who decided', async () => {
    await client.scenarios.publish.mutate({ id: scenarioId });
    const response = await fetch(`${stack.apiUrl}/trigger/${scenarioId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'o-1' }),
    });
    expect(response.status).toBe(202);
    const { runId } = (await response.json()) as { runId: string };

    await page.goto(`${stack.webUrl}/#/runs/${runId}`);
    const view = page.locator('.run-view');
    await expect.poll(() => view.getAttribute('data-run-status'), { timeout: 30_000 }).toBe('waiting');
    const approval = page.locator('[data-approval="approve"]');
    await expect.poll(() => approval.getAttribute('data-approval-state'), { timeout: 30_000 }).toBe('open');
    expect(await approval.locator('h3').textContent()).toContain('Ship order o-1?');
    expect(await page.getByTestId('resume-link').textContent()).toMatch(/\/resume\/[\w-]+\.[\w-]+/);
    await screenshot(page, 'run-view-approval-open');

    await approval.getByLabel('Comment').fill('looks fine');
    await approval.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => view.getAttribute('data-run-status'), { timeout: 30_000 }).toBe('succeeded');
    await expect
      .poll(() => approval.getAttribute('data-approval-state'), { timeout: 30_000 })
      .toBe('approved');
    expect(await approval.textContent()).toContain('Approved by bootstrap');
    expect(await approval.textContent()).toContain('looks fine');
    expect(await approval.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    const run = await client.runs.get.query({ id: runId });
    expect(run.steps.find((s) => s.nodeId === 'approve')?.output).toEqual({
      decision: 'approved',
      by: 'bootstrap',
      data: { comment: 'looks fine' },
      timedOut: false,
    });
    await screenshot(page, 'run-view-approval-decided');
    expect(pageErrors).toEqual([]);
  });
});

describe('wait.event', () => {
  it('names a bad delivery key; its run page shows the key it waits for, then the delivery that came', async () => {
    await page.goto(`${stack.webUrl}/#/scenarios/${eventScenarioId}`);
    await node('paid').waitFor();
    await expect.poll(() => node('paid').getAttribute('data-problems')).toBe('1');
    expect(await node('paid').locator('.node-problem').textContent()).toMatch(/deliveryKey/);
    await node('paid').click({ position: { x: 20, y: 12 } });
    const panel = page.locator('[data-panel-node="paid"]');
    expect(await panel.locator('[data-field="appId"] select').inputValue()).toBe(payments.id);
    await panel
      .locator('[data-field="deliveryKey"] textarea, [data-field="deliveryKey"] input')
      .first()
      .fill('body.order');
    await expect.poll(() => node('paid').getAttribute('data-problems')).toBe('0');
    await expect
      .poll(() => page.getByTestId('save-status').textContent(), { timeout: 10_000 })
      .toBe('All changes saved');
    await page.keyboard.press('Escape');

    await client.scenarios.publish.mutate({ id: eventScenarioId });
    const started = await fetch(`${stack.apiUrl}/trigger/${eventScenarioId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'o-7' }),
    });
    const { runId } = (await started.json()) as { runId: string };
    await page.goto(`${stack.webUrl}/#/runs/${runId}`);
    const wait = page.locator('[data-event-wait="paid"]');
    await expect.poll(() => wait.getAttribute('data-wait-state'), { timeout: 30_000 }).toBe('open');
    expect(await wait.textContent()).toContain('Waiting for a delivery with the key o-7');

    const raw = JSON.stringify({ order: 'o-7', status: 'paid' });
    const delivered = await fetch(`${stack.apiUrl}/webhook/${payments.key}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...signWebhook({ config: { scheme: 'generic' }, secret: PAY_SECRET, rawBody: Buffer.from(raw) }),
      },
      body: raw,
    });
    expect(delivered.status).toBe(202);
    const view = page.locator('.run-view');
    await expect.poll(() => view.getAttribute('data-run-status'), { timeout: 30_000 }).toBe('succeeded');
    await expect.poll(() => wait.getAttribute('data-wait-state'), { timeout: 30_000 }).toBe('arrived');
    expect(await wait.textContent()).toContain('"status": "paid"');
    await screenshot(page, 'run-view-event-arrived');
    expect(pageErrors).toEqual([]);
  });
});
