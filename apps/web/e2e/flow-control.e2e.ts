/**
 * Flow control in a real browser: the editor's settings form checks a key and shows the problem
 * under its field (nothing saved), saves a valid one; once published, a second run of the same key
 * waits for the slot the first holds, and the runs list and the run page say so.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, type ApiClient, launchBrowser, newPage, type Stack, screenshot, signIn, startStack } from './harness';

let stack: Stack;
let browser: Browser;
let page: Page;
let pageErrors: string[];
let client: ApiClient;
let scenarioId = '';

const position = { x: 0, y: 0 };

beforeAll(async () => {
  stack = await startStack('flow_control');
  browser = await launchBrowser();
  ({ page, errors: pageErrors } = await newPage(browser));
  client = apiClient(stack);
  const scenario = await client.scenarios.create.mutate({
    name: 'Per customer',
    draft: {
      nodes: [
        { id: 'start', type: 'trigger.manual', version: 1, config: {}, position },
        // Long enough that the first run still holds its customer's slot while the test looks.
        { id: 'hold', type: 'delay', version: 1, config: { durationMs: 600_000 }, position: { x: 250, y: 0 } },
      ],
      edges: [{ id: 'e1', source: 'start', target: 'hold' }],
    },
  });
  scenarioId = scenario.id;
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('flow control', () => {
  it('the settings form shows a bad key under its field and saves nothing, then saves a valid one', async () => {
    await signIn(page, stack);
    await page.goto(`${stack.webUrl}/#/scenarios/${scenarioId}`);
    const form = page.getByTestId('flow-control');
    await form.waitFor();
    await form.locator('summary').click();
    await form.locator('[data-part="concurrency"] input[type="checkbox"]').check();
    const key = form.locator('[data-field="flowControl.concurrency.key"]');
    await key.locator('input').fill('trigger.customerId.(');
    await form.getByRole('button', { name: 'Save flow control' }).click();
    await expect.poll(() => key.locator('.field-error').textContent()).toMatch(/key does not compile/);
    expect((await client.scenarios.get.query({ id: scenarioId })).flowControl).toBeNull();

    await form.locator('[data-field="flowControl.concurrency.limit"] input').fill('0');
    await key.locator('input').fill('trigger.customerId');
    await form.getByRole('button', { name: 'Save flow control' }).click();
    await expect
      .poll(() => form.locator('[data-field="flowControl.concurrency.limit"] .field-error').textContent())
      .toBe('limit must be at least 1');
    await form.locator('[data-field="flowControl.concurrency.limit"] input').fill('1');
    await form.getByRole('button', { name: 'Save flow control' }).click();
    await expect.poll(() => form.textContent()).toMatch(/Saved; applies from the next publish/);
    expect((await client.scenarios.get.query({ id: scenarioId })).flowControl).toEqual({
      concurrency: { key: 'trigger.customerId', limit: 1 },
    });
    await screenshot(page, 'flow-control-form');
  });

  it('a run waiting for its key’s slot is shown as waiting in the runs list and on its page', async () => {
    await client.scenarios.publish.mutate({ id: scenarioId });
    const start = async () => {
      const response = await fetch(`${stack.apiUrl}/trigger/${scenarioId}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ customerId: 'c-1' }),
      });
      expect(response.status).toBe(202);
      return ((await response.json()) as { runId: string }).runId;
    };
    const first = await start();
    // The first holds the slot (it waits in its delay); the second waits for it.
    await expect.poll(async () => (await client.runs.get.query({ id: first })).status, { timeout: 30_000 }).toBe('waiting');
    const second = await start();
    const run = await client.runs.get.query({ id: second });
    expect(run).toMatchObject({ status: 'queued', waitingFor: 'concurrency' });

    await page.goto(`${stack.webUrl}/#/runs?scenarioId=${scenarioId}`);
    const row = page.locator(`[data-run-id="${second}"]`);
    await expect.poll(() => row.locator('[data-waiting-for]').getAttribute('data-waiting-for'), { timeout: 30_000 }).toBe(
      'concurrency',
    );
    expect(await row.textContent()).toMatch(/waiting for a concurrency slot/);

    await page.goto(`${stack.webUrl}/#/runs/${second}`);
    await page.getByTestId('run-flow').waitFor();
    expect(await page.getByTestId('run-flow').textContent()).toMatch(/concurrency "c-1" \(at most 1\)/);
    expect(await page.locator('.run-header [data-waiting-for]').getAttribute('data-waiting-for')).toBe('concurrency');
    await screenshot(page, 'flow-control-waiting-run');
    expect(pageErrors).toEqual([]);
  });
});
