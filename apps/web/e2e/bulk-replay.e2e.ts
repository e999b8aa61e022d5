/**
 * Search keys and bulk replay in a real browser: an app's search key is declared on its page (a
 * broken expression is refused, naming the key); the runs page finds one customer's runs by it;
 * "Replay all matching" queues a background replay with its progress, which can be cancelled;
 * a second one is processed by another api process (the first runs no bulk worker), and the
 * progress bar shows it done, each run replayed once. The deliveries page searches by the key.
 */
import { signWebhook } from '@weft/core/hmac';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onCanvas } from './canvas';
import {
  type ApiClient,
  apiClient,
  launchBrowser,
  newPage,
  type Stack,
  screenshot,
  signIn,
  startStack,
} from './harness';

const SECRET = 'bulk-browser-secret-0123456789ab';
const appKey = 'bulk-shop';
let stack: Stack;
let browser: Browser;
let page: Page;
let pageErrors: string[];
let client: ApiClient;
const ids = { app: '', scenario: '' };
const position = { x: 0, y: 0 };

beforeAll(async () => {
  // This api takes no bulk jobs: they wait until a second api process is started.
  stack = await startStack('bulk_replay', { WEFT_BULK_WORKER: '0' });
  browser = await launchBrowser();
  ({ page, errors: pageErrors } = await newPage(browser));
  client = apiClient(stack);
  const app = await client.apps.create.mutate({
    key: appKey,
    name: 'Shop',
    signature: { scheme: 'generic' },
  });
  await client.connections.create.mutate({ appId: app.id, name: 'Shop', secrets: { webhookSecret: SECRET } });
  const scenario = await client.scenarios.create.mutate({
    name: 'Orders',
    draft: {
      nodes: [
        { id: 'hook', type: 'trigger.webhook', version: 1, config: { appId: app.id }, position },
        {
          id: 'check',
          type: 'transform',
          version: 1,
          config: { expression: '$error("the warehouse refused order " & trigger.body.order)' },
          position,
        },
      ],
      edges: [{ id: 'e1', source: 'hook', target: 'check' }],
    },
  });
  await client.scenarios.publish.mutate({ id: scenario.id });
  await client.scenarios.setEnabled.mutate({ id: scenario.id, enabled: true });
  Object.assign(ids, { app: app.id, scenario: scenario.id });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function post(body: unknown): Promise<string> {
  const raw = JSON.stringify(body);
  const headers = signWebhook({ config: { scheme: 'generic' }, secret: SECRET, rawBody: Buffer.from(raw) });
  const response = await fetch(`${stack.apiUrl}/webhook/${appKey}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: raw,
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { runIds: string[] }).runIds[0]!;
}

const { node } = onCanvas(() => page);

describe('search keys and bulk replay', () => {
  it('declares a search key on the app page; a broken expression is refused naming the key', async () => {
    await signIn(page, stack);
    await page.goto(`${stack.webUrl}/#/apps/${ids.app}`);
    const section = page.getByRole('region', { name: 'Search keys' });
    await section.getByRole('button', { name: 'Add search key' }).click();
    await section.getByLabel('Search key 1 name').fill('customer');
    await section.getByLabel('Search key 1 expression').fill('body.(');
    await section.getByRole('button', { name: 'Save search keys' }).click();
    await expect.poll(() => section.getByRole('alert').textContent()).toContain('search key "customer"');
    expect((await client.apps.get.query({ id: ids.app })).searchKeys).toEqual([]);
    await section.getByLabel('Search key 1 expression').fill('body.customer');
    await section.getByRole('button', { name: 'Save search keys' }).click();
    await expect
      .poll(async () => (await client.apps.get.query({ id: ids.app })).searchKeys)
      .toEqual([{ name: 'customer', expression: 'body.customer' }]);
    await screenshot(page, 'bulk-search-keys');
  });

  it('finds one customer’s runs by the key, queues a replay of them, cancels it, and a second one runs on another api', async () => {
    const mine = [];
    for (let i = 0; i < 3; i++) mine.push(await post({ order: `a-${i}`, customer: 'cus_a' }));
    for (let i = 0; i < 2; i++) await post({ order: `b-${i}`, customer: 'cus_b' });
    await expect
      .poll(async () => {
        const runs = await client.runs.list.query({ scenarioId: ids.scenario });
        return runs.items.filter((run) => run.status === 'failed' || run.status === 'dead').length;
      })
      .toBe(5);

    await page.goto(`${stack.webUrl}/#/runs`);
    await page.getByLabel('Search key').selectOption('customer');
    await page.getByLabel('Search value').fill('cus_a');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const rows = page.getByTestId('run-table').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    expect(page.url()).toContain('key=customer');
    expect((await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-run-id')))).sort()).toEqual(
      [...mine].sort(),
    );

    const replayAll = async (version: 'original' | 'published') => {
      await page.getByRole('button', { name: 'Replay all matching…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Replay all matching runs' });
      await expect.poll(() => dialog.textContent()).toContain('customer = cus_a');
      await dialog.locator('#bulk-version').selectOption(version);
      await dialog.getByRole('button', { name: 'Replay', exact: true }).click();
      await dialog.waitFor({ state: 'detached' });
    };
    await replayAll('original');
    const first = page.getByTestId('bulk-job').first();
    await expect.poll(() => first.getAttribute('data-status')).toBe('queued');
    await first.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => first.getAttribute('data-status')).toBe('cancelled');
    await screenshot(page, 'bulk-cancelled');

    await replayAll('published');
    const second = page.getByTestId('bulk-job').first();
    await expect.poll(() => second.getAttribute('data-status')).toBe('queued');
    const secondId = await second.getAttribute('data-job-id');
    await stack.startApi({ WEFT_BULK_WORKER: '1' });
    await expect
      .poll(() => page.locator(`[data-job-id="${secondId}"]`).getAttribute('data-status'))
      .toBe('done');
    await expect
      .poll(() => page.locator(`[data-job-id="${secondId}"] [data-testid="bulk-counts"]`).textContent())
      .toBe('3 of 3 · 3 done');
    expect(await page.locator(`[data-job-id="${secondId}"] progress`).getAttribute('value')).toBe('100');
    await screenshot(page, 'bulk-done');

    // Each run of the customer was replayed once (by the second job only), and the replays carry the key.
    const found = await client.runs.list.query({ search: { name: 'customer', value: 'cus_a' } });
    const replays = found.items.filter((run) => run.trigger.kind === 'replay');
    expect(replays.map((run) => run.trigger.replayOf).sort()).toEqual([...mine].sort());
    const jobs = await client.bulkJobs.list.query({ kind: 'replay' });
    expect(jobs.items.map((job) => [job.status, job.counts.done])).toEqual([
      ['done', 3],
      ['cancelled', 0],
    ]);
  });

  it('searches deliveries by the key', async () => {
    await page.goto(`${stack.webUrl}/#/deliveries`);
    await page.getByLabel('Search key').selectOption('customer');
    await page.getByLabel('Search value').fill('cus_b');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect.poll(() => page.getByTestId('delivery-table').locator('tbody tr').count()).toBe(2);
    expect(pageErrors).toEqual([]);
  });

  it('a scenario declares its own search key on its webhook trigger; its runs are found by it', async () => {
    await page.goto(`${stack.webUrl}/#/scenarios/${ids.scenario}`);
    await node('hook').waitFor();
    await node('hook').click({ position: { x: 20, y: 12 } });
    const panel = page.locator('[data-panel-node="hook"]');
    await panel.getByRole('button', { name: '+ Add search key' }).click();
    const item = panel.locator('[data-field="searchKeys"] [data-list-item="0"]');
    await item.locator('[data-field="name"] textarea, [data-field="name"] input').first().fill('order');
    await item
      .locator('[data-field="expression"] textarea, [data-field="expression"] input')
      .first()
      .fill('body.order');
    await expect
      .poll(() => page.getByTestId('save-status').textContent(), { timeout: 10_000 })
      .toBe('All changes saved');
    const saved = await client.scenarios.get.query({ id: ids.scenario });
    expect(saved.draft.nodes.find((n) => n.id === 'hook')?.config.searchKeys).toEqual([
      { name: 'order', expression: 'body.order' },
    ]);
    await screenshot(page, 'bulk-trigger-search-key');
    await client.scenarios.publish.mutate({ id: ids.scenario });
    const runId = await post({ order: 'o-42', customer: 'cus_c' });
    await page.goto(`${stack.webUrl}/#/runs?key=order&value=o-42`);
    const rows = page.getByTestId('run-table').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-run-id')).toBe(runId);
    // The run page shows its values (the app's and the scenario's), each a link to the runs it finds.
    await page.goto(`${stack.webUrl}/#/runs/${runId}`);
    await expect
      .poll(() => page.getByTestId('search-key-values').textContent())
      .toBe('customer: cus_c order: o-42 ');
    await page.getByTestId('search-key-values').getByRole('link', { name: 'customer: cus_c' }).click();
    await expect.poll(() => page.url()).toContain('#/runs?key=customer&value=cus_c');
    await expect.poll(() => rows.count()).toBe(1);
    expect(pageErrors).toEqual([]);
  });
});
