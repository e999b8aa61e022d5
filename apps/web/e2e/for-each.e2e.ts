/**
 * A for-each loop built in a real browser: the loop is dropped from the palette, an HTTP node is
 * dropped into it (its body), connected to the loop's "each item" handle, configured with `item`
 * and `index`, dry-run (per-item results in the panel), dragged out and back (the canvas shows
 * the edge that would cross the body), published, run over HTTP, and its items picked in the
 * run view.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { box, center, onCanvas } from './canvas';
import { launchBrowser, newPage, type Stack, screenshot, signIn, startStack } from './harness';
import { type Sink, startSink } from './sink';

let stack: Stack;
let browser: Browser;
let page: Page;
let pageErrors: string[];
let sink: Sink;
let scenarioId = '';

beforeAll(async () => {
  sink = await startSink(0);
  stack = await startStack('for_each');
  browser = await launchBrowser();
  ({ page, errors: pageErrors } = await newPage(browser));
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await sink?.close();
});

const { node, connect, fitView } = onCanvas(() => page);
/** `expect.poll` with a liveness bound that holds on a loaded machine (the browser shares it with the suite). */
const poll = <T>(check: () => T | Promise<T>, options: { timeout?: number } = {}) =>
  expect.poll(check, { timeout: 15_000, ...options });

/** Drags a node by its title to a point on the screen. */
async function dragNode(id: string, to: { x: number; y: number }) {
  const from = await center(node(id).locator('.node-title').first());
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(from.x + 10, from.y + 10, { steps: 3 });
  try {
    await page.mouse.move(to.x, to.y, { steps: 15 });
    // A loaded machine may still be rendering the last moves: release where the node now is.
    await poll(async () =>
      Math.abs((await center(node(id).locator('.node-title').first())).y - to.y),
    ).toBeLessThan(5);
  } finally {
    // Released even when the check fails, so the tests after it do not click with a button held.
    await page.mouse.up();
  }
}

async function draft() {
  const input = encodeURIComponent(JSON.stringify({ json: { id: scenarioId } }));
  const response = await fetch(`${stack.apiUrl}/trpc/scenarios.get?input=${input}`, {
    headers: { authorization: `Bearer ${stack.token}` },
  });
  const json = (await response.json()) as {
    result: { data: { json: { draft: { nodes: { id: string; parentId?: string }[] } } } };
  };
  return json.result.data.json.draft;
}

const inside = (inner: { x: number; y: number; width: number; height: number }, outer: typeof inner) =>
  inner.x >= outer.x &&
  inner.y >= outer.y &&
  inner.x + inner.width <= outer.x + outer.width &&
  inner.y + inner.height <= outer.y + outer.height;

describe('a for-each loop in the editor', () => {
  it('drops an HTTP node into a loop’s body and connects the loop’s handles', async () => {
    await signIn(page, stack);
    await page.getByRole('button', { name: 'New scenario' }).click();
    await page.fill('#scenario-name', 'Lines to the warehouse');
    await page.selectOption('#scenario-start', 'empty');
    await page.getByRole('button', { name: 'Create and open' }).click();
    await page.getByTestId('canvas').waitFor();
    scenarioId = page.url().split('/').at(-1)!;

    await page.dragAndDrop('[data-node-type="trigger.manual"]', '[data-testid="canvas"]', {
      targetPosition: { x: 120, y: 120 },
    });
    await node('manual').waitFor();
    await page.dragAndDrop('[data-node-type="loop.forEach"]', '[data-testid="canvas"]', {
      targetPosition: { x: 440, y: 100 },
    });
    await node('loop_forEach').waitFor();
    const loop = await box(node('loop_forEach'));
    // Dropped on the loop: the node joins its body.
    const canvas = await box(page.getByTestId('canvas'));
    await page.dragAndDrop('[data-node-type="http.request"]', '[data-testid="canvas"]', {
      targetPosition: { x: loop.x - canvas.x + loop.width / 2, y: loop.y - canvas.y + 150 },
    });
    await node('http_request').waitFor();
    expect(inside(await box(node('http_request')), await box(node('loop_forEach')))).toBe(true);

    await connect('manual', 'loop_forEach');
    await connect('loop_forEach', 'http_request', 'body');
    await poll(() => page.locator('.react-flow__edge').count()).toBe(2);

    await node('loop_forEach').locator('.loop-head').click();
    const loopPanel = page.locator('[data-panel-node="loop_forEach"]');
    await loopPanel.waitFor();
    await loopPanel.locator('[data-field="items"] textarea').fill('{{ trigger.lines }}');
    await loopPanel.locator('[data-field="onItemError"] select').selectOption('continue');

    await node('http_request').click();
    const http = page.locator('[data-panel-node="http_request"]');
    await http.waitFor();
    await http.locator('[data-field="url"] textarea').fill(`${sink.url}/lines/{{ index }}`);
    await http.locator('[data-field="method"] select').selectOption('POST');
    await http.locator('[data-field="body"] textarea').fill('{ "sku": "{{ item.sku }}" }');
    await poll(() => node('http_request').getAttribute('data-problems')).toBe('0');
    await poll(() => node('loop_forEach').getAttribute('data-problems')).toBe('0');
    await poll(() => page.getByTestId('save-status').textContent(), { timeout: 10_000 }).toBe(
      'All changes saved',
    );
    expect((await draft()).nodes.find((n) => n.id === 'http_request')?.parentId).toBe('loop_forEach');
  });

  it('dry-runs the loop: one result per item, each with its body steps', async () => {
    await page.getByRole('button', { name: 'Dry-run' }).click();
    await page
      .locator('.dry-run textarea')
      .fill('{ "lines": [{ "sku": "a" }, { "sku": "b" }, { "sku": "c" }] }');
    await page.getByTestId('run-dry-run').click();
    await poll(() => node('loop_forEach').getAttribute('data-status')).toBe('succeeded');
    const items = page.locator('[data-loop-items="loop_forEach"] [data-item]');
    await poll(() => items.count()).toBe(3);
    await items.nth(2).click();
    const details = page.locator('[data-item-details="2"]');
    await details.waitFor();
    expect(
      await details.locator('[data-item-step="http_request"] [data-status]').getAttribute('data-status'),
    ).toBe('succeeded');
    expect(sink.requests).toHaveLength(0);
    await screenshot(page, 'for-each-dry-run');
  });

  it('shows the crossing edge when a body node is dragged out, and takes it back in', async () => {
    const loop = await box(node('loop_forEach'));
    const canvas = await box(page.getByTestId('canvas'));
    // Below the loop, clear of the canvas's edge (where React Flow would pan the view under the drag).
    await dragNode('http_request', {
      x: loop.x + 120,
      y: Math.min(loop.y + loop.height + 90, canvas.y + canvas.height - 60),
    });
    await poll(async () => (await draft()).nodes.find((n) => n.id === 'http_request')?.parentId ?? null, {
      timeout: 10_000,
    }).toBeNull();
    await poll(() => page.locator('.edge-problem').count()).toBeGreaterThan(0);
    // The whole graph in view, then onto the middle of the loop.
    await fitView();
    const back = await box(node('loop_forEach'));
    expect(back.y).toBeGreaterThan((await box(page.getByTestId('canvas'))).y);
    await dragNode('http_request', { x: back.x + back.width / 2, y: back.y + back.height / 2 });
    await poll(async () => inside(await box(node('http_request')), await box(node('loop_forEach')))).toBe(
      true,
    );
    await poll(() => page.locator('.edge-problem').count()).toBe(0);
    await poll(async () => (await draft()).nodes.find((n) => n.id === 'http_request')?.parentId, {
      timeout: 10_000,
    }).toBe('loop_forEach');
  });

  it('publishes, runs over HTTP, and picks items in the run view', async () => {
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.getByRole('button', { name: 'Publish version 1' }).click();
    await page.getByText('v1 live').waitFor();

    const response = await fetch(`${stack.apiUrl}/trigger/${scenarioId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ lines: [{ sku: 'x' }, { sku: 'y' }, { sku: 'z' }, { sku: 'w' }] }),
    });
    expect(response.status).toBe(202);
    const { runId } = (await response.json()) as { runId: string };

    await page.goto(`${stack.webUrl}/#/runs/${runId}`);
    const view = page.locator('.run-view');
    await view.waitFor();
    await poll(() => view.getAttribute('data-run-status'), { timeout: 30_000 }).toBe('succeeded');
    expect(sink.requests.map((r) => r.path).sort()).toEqual(['/lines/0', '/lines/1', '/lines/2', '/lines/3']);

    await node('loop_forEach').locator('.loop-head').click();
    const items = page.locator('[data-loop-items="loop_forEach"] [data-item]');
    await poll(() => items.count()).toBe(4);
    expect(await items.evaluateAll((buttons) => buttons.map((b) => b.getAttribute('data-status')))).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
    await items.nth(1).click();
    await page.locator('[data-item-details="1"] [data-item-step="http_request"]').waitFor();
    // The canvas shows the body's status for the picked item.
    await poll(() => node('http_request').getAttribute('data-status')).toBe('succeeded');
    await screenshot(page, 'for-each-run');
    expect(pageErrors).toEqual([]);
  });
});
