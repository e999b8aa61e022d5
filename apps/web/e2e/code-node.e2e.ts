/**
 * Code nodes in a real browser: the palette offers them; the code field is a code editor with
 * JavaScript highlighting; a syntax error is marked at its line as you type (and named under the
 * field); a dry-run runs the code in the api's sandbox and its thrown error is marked at its line;
 * a real run's error shows where in the code it happened.
 */
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

const position = { x: 0, y: 0 };

beforeAll(async () => {
  stack = await startStack('code_node');
  browser = await launchBrowser();
  ({ page, errors: pageErrors } = await newPage(browser));
  client = apiClient(stack);
  const scenario = await client.scenarios.create.mutate({
    name: 'Price with code',
    draft: {
      nodes: [
        { id: 'start', type: 'trigger.manual', version: 1, config: {}, position },
        {
          id: 'calc',
          type: 'code',
          version: 1,
          config: { code: 'const total = trigger.total;\nreturn { total };' },
          position: { x: 300, y: 0 },
        },
      ],
      edges: [{ id: 'e1', source: 'start', target: 'calc' }],
    },
  });
  scenarioId = scenario.id;
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const { node, fitView } = onCanvas(() => page);
const panel = () => page.locator('[data-panel-node="calc"]');
const codeField = () => panel().locator('[data-field="code"]');
const line = (n: number) =>
  codeField()
    .locator('.cm-line')
    .nth(n - 1);

/** Replaces the editor's whole text, as a person selecting all and typing would. */
async function typeCode(text: string) {
  await codeField().locator('.cm-content').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

describe('code nodes in the editor', () => {
  it('offers the node in the palette and edits its code in a code editor with highlighting', async () => {
    await signIn(page, stack);
    await page.goto(`${stack.webUrl}/#/scenarios/${scenarioId}`);
    await node('calc').waitFor();
    expect(await page.locator('[data-node-type="code"]').count()).toBe(1);
    await node('calc').click({ position: { x: 20, y: 12 } });
    await codeField().locator('.cm-editor').waitFor();
    expect(await codeField().locator('.field-tag').textContent()).toBe('JavaScript');
    expect(await line(1).textContent()).toBe('const total = trigger.total;');
    // Highlighting: keywords are their own styled spans.
    expect(await line(1).locator('span').first().textContent()).toBe('const');
    expect(await line(1).locator('span').first().getAttribute('class')).toMatch(/\S/);
  });

  it('marks a syntax error at its line as you type and names it under the field', async () => {
    await typeCode('const total = trigger.total;\nconst tax = total *;\nreturn { total, tax };');
    await expect.poll(() => line(2).locator('.cm-lintRange-error').count(), { timeout: 10_000 }).toBe(1);
    expect(await line(1).locator('.cm-lintRange-error').count()).toBe(0);
    await expect
      .poll(() => codeField().locator('.field-error').textContent(), { timeout: 10_000 })
      .toBe('Unexpected token (line 2, column 20)');
    await expect.poll(() => node('calc').getAttribute('data-problems')).toBe('1');
    await screenshot(page, 'code-syntax-error');
  });

  it('dry-runs the code in the sandbox and marks the error it threw at its line', async () => {
    await typeCode(
      'const total = trigger.total;\nif (total > 100) throw new Error("total " + total + " is over the limit");\nreturn { total };',
    );
    await expect.poll(() => node('calc').getAttribute('data-problems')).toBe('0');
    await expect
      .poll(() => page.getByTestId('save-status').textContent(), { timeout: 10_000 })
      .toBe('All changes saved');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Dry-run' }).click();
    await page.locator('.dry-run textarea').fill('{ "total": 150 }');
    await page.getByTestId('run-dry-run').click();
    await expect.poll(() => node('calc').getAttribute('data-status'), { timeout: 30_000 }).toBe('failed');
    await fitView();
    await node('calc').click({ position: { x: 20, y: 12 } });
    await panel()
      .getByRole('tab', { name: /Dry-run/ })
      .click();
    const output = page.locator('[data-dry-run-node="calc"]');
    await output.waitFor();
    expect(await output.locator('.code-error-location').textContent()).toContain(
      'In the code at line 2, column',
    );
    expect(await output.textContent()).toContain('total 150 is over the limit');
    await panel()
      .getByRole('tab', { name: /Settings/ })
      .click();
    await expect.poll(() => line(2).locator('.cm-lintRange-error').count(), { timeout: 10_000 }).toBe(1);
    await screenshot(page, 'code-dry-run-error');
  });

  it("shows where a real run's code failed in the run view", async () => {
    await client.scenarios.publish.mutate({ id: scenarioId });
    const response = await fetch(`${stack.apiUrl}/trigger/${scenarioId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ total: 500 }),
    });
    expect(response.status).toBe(202);
    const { runId } = (await response.json()) as { runId: string };
    await page.goto(`${stack.webUrl}/#/runs/${runId}`);
    const view = page.locator('.run-view');
    await expect.poll(() => view.getAttribute('data-run-status'), { timeout: 60_000 }).toBe('failed');
    const details = page.locator('[data-step-details="calc"]');
    // The live view may still re-render the step list as the last events arrive: select the step
    // until its details show.
    await expect
      .poll(
        async () => {
          if (!(await details.isVisible()))
            await page
              .locator('[data-step="calc"]')
              .click({ timeout: 5_000 })
              .catch(() => undefined);
          return details
            .locator('.code-error-location')
            .getAttribute('data-code-error-line', { timeout: 2_000 })
            .catch(() => null);
        },
        { timeout: 60_000 },
      )
      .toBe('2');
    expect(await details.textContent()).toContain('total 500 is over the limit');
    expect(pageErrors).toEqual([]);
  });
});
