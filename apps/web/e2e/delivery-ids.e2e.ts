/**
 * Unsigned delivery ids in a real browser: the app form says which schemes catch replays only by
 * body hash, and a captured GitHub body replayed under an upcoming delivery's id does not
 * suppress that delivery: both are listed, flagged as an id conflict.
 */
import { signWebhook } from '@weft/core/hmac';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

const SECRET = 'github-browser-secret-0123456789';
let stack: Stack;
let browser: Browser;
let page: Page;
let client: ApiClient;
const appKey = 'github-ids';

beforeAll(async () => {
  stack = await startStack('delivery_ids');
  browser = await launchBrowser();
  ({ page } = await newPage(browser));
  client = apiClient(stack);
  const app = await client.apps.create.mutate({
    key: appKey,
    name: 'GitHub',
    signature: { scheme: 'github' },
  });
  await client.connections.create.mutate({
    appId: app.id,
    name: 'GitHub',
    secrets: { webhookSecret: SECRET },
  });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

function post(body: string, deliveryId: string) {
  const headers = signWebhook({
    config: { scheme: 'github' },
    secret: SECRET,
    rawBody: Buffer.from(body),
    id: deliveryId,
  });
  return fetch(`${stack.apiUrl}/webhook/${appKey}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

describe('delivery ids the signature does not cover', () => {
  it('the app form says GitHub catches replays only by body hash, Stripe by its signed timestamp', async () => {
    await signIn(page, stack);
    await page.goto(`${stack.webUrl}/#/apps`);
    await page.getByRole('button', { name: 'New app' }).first().click();
    await page.locator('#app-scheme').selectOption('github');
    await expect
      .poll(() => page.getByTestId('replay-protection').textContent())
      .toMatch(/^No signed timestamp: replays are only caught by body hash\./);
    await page.locator('#app-scheme').selectOption('stripe');
    await expect.poll(() => page.getByTestId('replay-protection').textContent()).toMatch(/^Signed timestamp/);
    await screenshot(page, 'delivery-ids-app-form');
  });

  it('a replay under an upcoming id and the genuine delivery are both listed, flagged as an id conflict', async () => {
    expect((await post('{"action":"opened","n":1}', 'gh-1')).status).toBe(202);
    // The captured body again, under the id GitHub gives its next delivery.
    expect((await post('{"action":"opened","n":1}', 'gh-2')).status).toBe(202);
    expect((await post('{"action":"closed","n":2}', 'gh-2')).status).toBe(202);

    await page.goto(`${stack.webUrl}/#/deliveries`);
    const rows = page.getByTestId('delivery-table').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    await expect.poll(() => rows.filter({ hasText: 'id conflict' }).count()).toBe(2);
    await expect
      .poll(() => rows.filter({ hasText: 'gh-1' }).filter({ hasText: 'id conflict' }).count())
      .toBe(0);
    await screenshot(page, 'delivery-ids-conflict');
  });
});
