/**
 * Branching and failure handling in a real browser: an HTTP node's error output connected to a
 * switch built in the side panel (cases added, labelled, removed; one handle per case on the
 * canvas), a removed case's edge shown as a problem, and a dry-run taking the error path.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onCanvas } from './canvas';
import { launchBrowser, newPage, type Stack, screenshot, signIn, startStack } from './harness';

let stack: Stack;
let browser: Browser;
let page: Page;
let pageErrors: string[];

beforeAll(async () => {
  stack = await startStack('error_flow');
  browser = await launchBrowser();
  ({ page, errors: pageErrors } = await newPage(browser, 1600, 900));
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const { node, output, connect, dragFromPalette } = onCanvas(() => page);

describe('error outputs and the switch in the editor', () => {
  it('connects an HTTP node’s error output to a switch whose cases are built in the panel', async () => {
    await signIn(page, stack);
    await page.getByRole('button', { name: 'New scenario' }).click();
    await page.fill('#scenario-name', 'Order errors');
    await page.selectOption('#scenario-start', 'empty');
    await page.getByRole('button', { name: 'Create and open' }).click();
    await page.getByTestId('canvas').waitFor();

    await dragFromPalette('trigger.manual', 110, 200);
    await node('manual').waitFor();
    await dragFromPalette('http.request', 360, 200);
    await node('http_request').waitFor();
    await dragFromPalette('switch', 610, 200);
    await node('switch').waitFor();
    await dragFromPalette('logger', 880, 140);
    await node('logger').waitFor();
    await dragFromPalette('logger', 880, 380);
    await node('logger_2').waitFor();

    // An action node has an output and an error output; a switch without cases only "default".
    expect(
      await node('http_request')
        .locator('.react-flow__handle.source')
        .evaluateAll((els) => els.map((el) => el.getAttribute('data-handleid'))),
    ).toEqual(['out', 'error']);
    expect(await output('switch', 'default').count()).toBe(1);

    await connect('manual', 'http_request');
    await connect('http_request', 'switch', 'error');
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(2);

    await node('http_request').click();
    const http = page.locator('[data-panel-node="http_request"]');
    await http.locator('[data-field="url"] textarea').fill('{{ trigger.url }}');

    await node('switch').click();
    const panel = page.locator('[data-panel-node="switch"]');
    await panel.waitFor();
    // The mode says what it does when left alone.
    expect(await panel.locator('[data-field="mode"] select option').first().textContent()).toBe(
      'Default (first)',
    );
    await panel.getByRole('button', { name: '+ Add case' }).click();
    await panel.getByRole('button', { name: '+ Add case' }).click();
    const first = panel.locator('[data-list-item="0"]');
    await first.locator('[data-field="label"] textarea').fill('Bad config');
    await first.locator('[data-field="expression"] textarea').fill('input.code = "invalid_config"');
    await panel.locator('[data-list-item="1"] [data-field="expression"] textarea').fill('input.retryable');
    // One output per case, labelled, then default.
    await expect.poll(() => output('switch', 'case_1').textContent()).toBe('Bad config');
    expect(await output('switch', 'case_2').textContent()).toBe('Case 2');
    // Close the expression's completions before working on the canvas.
    await page.keyboard.press('Escape');
    await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });

    await connect('switch', 'logger', 'case_1');
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(3);
    await connect('switch', 'logger_2', 'case_2');
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(4);
    for (const id of ['logger', 'logger_2']) {
      await node(id).click();
      await page
        .locator(`[data-panel-node="${id}"] [data-field="message"] textarea`)
        .fill(`handled by ${id}`);
    }

    // Removing a case leaves its edge without an output: a problem on the edge, not a silent drop.
    await node('switch').click();
    await panel.getByRole('button', { name: 'Remove case 2' }).click();
    await expect.poll(() => output('switch', 'case_2').getAttribute('class')).toMatch(/handle-missing/);
    expect(await output('switch', 'case_2').textContent()).toBe('case_2 (removed)');
    await page.locator('.edge-problem[data-edge-id="switch.case_2->logger_2"]').waitFor();
    await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    await expect
      .poll(() => page.getByTestId('problem-list').textContent())
      .toMatch(/output "case_2", which does not exist/);

    // Deleting logger_2 takes the broken edge with it.
    await node('logger_2').click();
    await page.keyboard.press('Delete');
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(3);
    await expect.poll(() => output('switch', 'case_2').count()).toBe(0);
    await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    await page.getByText('No problems: this draft can be published.').waitFor();
    await expect
      .poll(() => page.getByTestId('save-status').textContent(), { timeout: 10_000 })
      .toBe('All changes saved');
  });

  it('a dry-run takes the error path and shows the case that fired', async () => {
    await page.getByRole('button', { name: 'Dry-run' }).click();
    await page.locator('.dry-run textarea').fill('{ "url": "not a url" }');
    await page.getByTestId('run-dry-run').click();
    await expect.poll(() => node('logger').getAttribute('data-status')).toBe('succeeded');
    expect(await node('http_request').getAttribute('data-status')).toBe('failed');
    expect(await node('http_request').getAttribute('data-handled')).toBe('true');
    expect(await node('http_request').locator('.node-meta').textContent()).toMatch(/failed, handled/);
    await node('switch').click();
    const result = page.locator('[data-dry-run-node="switch"]');
    await result.waitFor();
    expect(await result.textContent()).toMatch(/Tookcase_1/);
    await screenshot(page, 'editor-error-path');
    expect(pageErrors).toEqual([]);
  });
});
