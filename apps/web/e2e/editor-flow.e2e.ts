/**
 * A person's whole path through the product in a real browser: sign in, create an app and its
 * connection, build a three-node scenario by dragging from the palette and connecting handles,
 * fix the validation error shown on a node, dry-run, publish, then a signed webhook from the
 * test and the run turning green live in the run view.
 */
import { signWebhook } from '@weft/core/hmac';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onCanvas } from './canvas';
import { launchBrowser, newPage, type Stack, screenshot, signIn, startStack } from './harness';
import { type Sink, startSink } from './sink';

const SECRET = 'acme-webhook-secret-0123456789';
let stack: Stack;
let browser: Browser;
let page: Page;
let pageErrors: string[];
let sink: Sink;
let scenarioUrl = '';

beforeAll(async () => {
  sink = await startSink(2_500);
  stack = await startStack('editor_flow');
  browser = await launchBrowser();
  ({ page, errors: pageErrors } = await newPage(browser));
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await sink?.close();
});

const { node, connect, dragFromPalette } = onCanvas(() => page);

describe('the editor in a real browser', () => {
  it('signs in with a pasted token, and explains a refused one', async () => {
    await page.goto(`${stack.webUrl}/`);
    await page.fill('#token', 'weft_not-a-real-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('.field-error').textContent()).toMatch(/not valid/);
    await signIn(page, stack);
    expect(await page.locator('.workspace').textContent()).not.toBe('');
  });

  it('creates an app and its connection with a webhook secret', async () => {
    await page.goto(`${stack.webUrl}/#/apps`);
    await page.getByRole('button', { name: 'Add an app' }).click();
    await page.fill('#app-name', 'Acme Shop');
    expect(await page.inputValue('#app-key')).toBe('acme-shop');
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.getByRole('heading', { name: 'Acme Shop' }).waitFor();
    expect(await page.getByTestId('webhook-url').textContent()).toMatch(/\/webhook\/acme-shop$/);

    await page.getByRole('button', { name: 'New connection' }).click();
    await page.fill('#connection-secret', SECRET);
    await page.getByRole('button', { name: 'Create connection' }).click();
    const row = page.locator('[data-testid="connection-table"] tbody tr');
    await row.first().waitFor();
    expect(await row.first().textContent()).toMatch(/default/);
    expect(await row.first().textContent()).toMatch(/set/);
    // The secret is never shown back.
    expect(await page.content()).not.toContain(SECRET);

    await row.first().getByRole('button', { name: 'Test' }).click();
    await page.getByTestId('connection-checks').waitFor();
    expect(await page.getByTestId('connection-checks').textContent()).toMatch(/verifies/);
    await page.keyboard.press('Escape');
    await expect.poll(() => row.first().locator('[data-status="ok"]').count()).toBe(1);
  });

  it('builds a three-node scenario by dragging from the palette and connecting handles', async () => {
    await page.goto(`${stack.webUrl}/#/scenarios`);
    await page.getByRole('button', { name: 'New scenario' }).click();
    await page.fill('#scenario-name', 'Orders to fulfilment');
    await page.selectOption('#scenario-start', 'empty');
    await page.getByRole('button', { name: 'Create and open' }).click();
    await page.getByTestId('canvas').waitFor();
    scenarioUrl = page.url();

    await dragFromPalette('trigger.webhook', 130, 260);
    await node('webhook').waitFor();
    await dragFromPalette('http.request', 380, 260);
    await node('http_request').waitFor();
    await dragFromPalette('logger', 630, 260);
    await node('logger').waitFor();

    // Not connected yet: the two actions cannot be reached from the trigger.
    await expect.poll(() => node('logger').getAttribute('data-problems')).toBe('2');

    await connect('webhook', 'http_request');
    await connect('http_request', 'logger');
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(2);

    // Connected: what is left is shown on the nodes it concerns. The only app was chosen for the trigger.
    await expect.poll(() => node('webhook').getAttribute('data-problems')).toBe('0');
    await expect.poll(() => node('http_request').locator('.node-problem').textContent()).toMatch(/^⚠ url: /);
    await expect
      .poll(() => node('logger').locator('.node-problem').textContent())
      .toMatch(/message is required/);
  });

  it('fixes the validation errors shown on the nodes, with expression autocomplete', async () => {
    await node('http_request').click();
    const panel = page.locator('[data-panel-node="http_request"]');
    await panel.waitFor();
    expect(await panel.locator('[data-field="url"] .field-error').textContent()).toBe('Required');
    await panel.locator('[data-field="url"] textarea').fill(`${sink.url}/orders`);
    await panel.locator('[data-field="method"] select').selectOption('POST');
    await panel.locator('[data-field="body"] textarea').fill('{ "id": "{{ trigger.body.id }}" }');
    await expect.poll(() => node('http_request').getAttribute('data-problems')).toBe('0');

    await node('logger').click();
    const message = page.locator('[data-panel-node="logger"] [data-field="message"] textarea');
    await message.click();
    await page.keyboard.type('Order {{');
    // `{{` closed itself; `nodes.` offers the upstream node ids, nearest first.
    await page.keyboard.type('nodes.');
    const options = page.locator('.completions [role="option"] .completion-label');
    await expect.poll(() => options.allTextContents()).toEqual(['http_request', 'webhook']);
    await page.keyboard.press('Enter');
    await page.keyboard.type('.body.received.id');
    expect(await message.inputValue()).toBe('Order {{ nodes.http_request.body.received.id }}');
    expect(await page.locator('[data-panel-node="logger"] .tok-node-ref').textContent()).toBe(
      'nodes.http_request',
    );
    await expect.poll(() => node('logger').getAttribute('data-problems')).toBe('0');

    await page.keyboard.press('Escape');
    await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    await page.getByText('No problems: this draft can be published.').waitFor();
    await expect
      .poll(() => page.getByTestId('save-status').textContent(), { timeout: 30_000 })
      .toBe('All changes saved');
  });

  it('undoes and redoes an edit', async () => {
    await node('logger').click();
    await page.keyboard.press('Delete');
    await expect.poll(() => node('logger').count()).toBe(0);
    await page.keyboard.press('Control+z');
    await node('logger').waitFor();
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(2);
    await page.keyboard.press('Control+Shift+z');
    await expect.poll(() => node('logger').count()).toBe(0);
    await page.keyboard.press('Control+z');
    await node('logger').waitFor();
  });

  it('dry-runs the draft and shows each node’s output on the canvas and in the panel', async () => {
    await page.getByRole('button', { name: 'Dry-run' }).click();
    await page.locator('.dry-run textarea').fill('{ "body": { "id": "o-dry" }, "headers": {} }');
    await page.getByTestId('run-dry-run').click();
    await expect.poll(() => node('logger').getAttribute('data-status')).toBe('succeeded');
    expect(await node('http_request').getAttribute('data-status')).toBe('succeeded');
    await node('http_request').click();
    const output = page.locator('[data-dry-run-node="http_request"]');
    await output.waitFor();
    expect(await output.textContent()).toMatch(/o-dry/);
    await screenshot(page, 'editor');
  });

  it('publishes with a diff summary', async () => {
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    const summary = page.getByTestId('diff-summary');
    await summary.waitFor();
    expect(await summary.textContent()).toMatch(/Nodes added\s*3/);
    await page.getByRole('button', { name: 'Publish version 1' }).click();
    await page.getByText('v1 live').waitFor();
    expect(await page.locator('.switch input').first().isChecked()).toBe(true);
  });

  it('shows a signed webhook’s run turning green live in the run view', async () => {
    const body = JSON.stringify({ id: 'o-77', amount: 12 });
    const response = await fetch(`${stack.apiUrl}/webhook/acme-shop`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...signWebhook({ config: { scheme: 'generic' }, secret: SECRET, rawBody: Buffer.from(body) }),
      },
      body,
    });
    expect(response.status).toBe(202);
    const { runIds } = (await response.json()) as { runIds: string[] };
    expect(runIds).toHaveLength(1);

    await page.goto(`${stack.webUrl}/#/runs/${runIds[0]}`);
    const view = page.locator('.run-view');
    await view.waitFor();
    // The partner API answers after 2.5 s: the run is still going when the view opens.
    const first = await view.getAttribute('data-run-status');
    expect(['queued', 'running']).toContain(first);
    await expect
      .poll(() => view.getAttribute('data-run-status'), { timeout: 30_000, interval: 100 })
      .toBe('succeeded');
    await expect.poll(() => node('logger').getAttribute('data-status')).toBe('succeeded');
    expect(await node('http_request').getAttribute('data-status')).toBe('succeeded');
    expect(sink.requests.map((r) => JSON.parse(r.body))).toEqual([{ id: 'o-77' }]);

    await node('logger').click();
    const details = page.locator('[data-step-details="logger"]');
    await expect.poll(() => details.locator('.log-list').textContent()).toMatch(/Order o-77/);
    // The full run (timings, outputs) is fetched again once it settles.
    await expect.poll(() => details.locator('.json').first().textContent()).toMatch(/o-77/);
    expect(await page.locator('.run-facts').textContent()).not.toMatch(/Duration—/);
    await screenshot(page, 'run-view');

    await page.goto(`${stack.webUrl}/#/runs`);
    const row = page.locator(`[data-run-id="${runIds[0]}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('succeeded');
    expect(pageErrors).toEqual([]);
  });

  it('is usable at 1024 wide', async () => {
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.goto(scenarioUrl);
    await node('logger').waitFor();
    const palette = await page.locator('.palette').boundingBox();
    const panel = await page.locator('.side-panel').boundingBox();
    const canvas = await page.getByTestId('canvas').boundingBox();
    expect(palette && panel && canvas).toBeTruthy();
    expect(canvas!.width).toBeGreaterThan(450);
    expect(panel!.x + panel!.width).toBeLessThanOrEqual(1024);
    await screenshot(page, 'editor-1024');
  });
});
