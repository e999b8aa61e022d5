/**
 * The Run button and nodes without positions, in a real browser: a scenario created through the
 * API without node positions opens laid out (no two nodes on top of each other, the trigger
 * first), in the editor and in the run view; Run explains that nothing is published yet; once published, Run from the editor and
 * from the scenario list starts the published version with the (editable) sample input and
 * opens the live run.
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

// No positions: the API stores them as (0, 0), all on one spot.
const graph = {
  nodes: [
    {
      id: 'start',
      type: 'trigger.manual',
      version: 1,
      config: { sampleInput: { orderId: 'sample-1', total: 250 } },
    },
    { id: 'big', type: 'condition', version: 1, config: { expression: 'trigger.total > 100' } },
    { id: 'shape', type: 'transform', version: 1, config: { expression: '{ "order": trigger.orderId }' } },
    { id: 'note', type: 'logger', version: 1, config: { message: 'small order {{ trigger.orderId }}' } },
    { id: 'done', type: 'logger', version: 1, config: { message: 'done {{ trigger.orderId }}' } },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'big' },
    { id: 'e2', source: 'big', sourceHandle: 'true', target: 'shape' },
    { id: 'e3', source: 'big', sourceHandle: 'false', target: 'note' },
    { id: 'e4', source: 'shape', target: 'done' },
  ],
};

beforeAll(async () => {
  stack = await startStack('run_button');
  browser = await launchBrowser();
  ({ page, errors: pageErrors } = await newPage(browser));
  client = apiClient(stack);
  scenarioId = (await client.scenarios.create.mutate({ name: 'Orders by hand', draft: graph })).id;
  await client.scenarios.create.mutate({ name: 'Nothing yet' });
  await signIn(page, stack);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const { node } = onCanvas(() => page);

/** Every node of `graph` is on the canvas, no two overlapping, the trigger left of the others. */
async function expectLaidOut(within: string): Promise<void> {
  const boxes = await Promise.all(
    graph.nodes.map(async ({ id }) => {
      const located = page.locator(within).locator(`[data-node-id="${id}"]`);
      await located.waitFor();
      const box = await located.boundingBox();
      if (!box) throw new Error(`node "${id}" is not on the canvas`);
      return { id, ...box };
    }),
  );
  for (const [i, a] of boxes.entries()) {
    for (const b of boxes.slice(i + 1)) {
      const apart =
        a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
      expect(apart, `"${a.id}" and "${b.id}" overlap`).toBe(true);
    }
  }
  const start = boxes.find((b) => b.id === 'start')!;
  for (const b of boxes) if (b.id !== 'start') expect(b.x).toBeGreaterThan(start.x);
}

/** The run page opened by Run: its id from the URL, once the run has succeeded there. */
async function runOpened(): Promise<string> {
  await expect.poll(() => page.url()).toMatch(/#\/runs\/[0-9a-f]{24}$/);
  const runId = page.url().split('/').pop()!;
  await expect.poll(() => page.locator('.run-view').getAttribute('data-run-status')).toBe('succeeded');
  return runId;
}

describe('Run button and layout on load', () => {
  it('opens a scenario created without positions laid out; Run says it is not published yet', async () => {
    await page.goto(`${stack.webUrl}/#/scenarios/${scenarioId}`);
    await expectLaidOut('[data-testid="canvas"]');
    // Laying out on load is not an edit: nothing to save.
    expect(await page.getByTestId('save-status').textContent()).toBe('All changes saved');
    await screenshot(page, 'editor-laid-out-on-load');

    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await expect
      .poll(() => dialog.getByTestId('run-not-runnable').textContent())
      .toMatch(
        /“Orders by hand” is not published yet\. Run starts the published version: publish the scenario first/,
      );
    expect(await dialog.getByRole('button', { name: /^Run v/ }).count()).toBe(0);
    await dialog.getByRole('button', { name: 'Close', exact: true }).last().click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('runs the published version from the editor with the edited sample input and opens the live run', async () => {
    await client.scenarios.publish.mutate({ id: scenarioId });
    await page.goto(`${stack.webUrl}/#/scenarios`);
    await page.goto(`${stack.webUrl}/#/scenarios/${scenarioId}`);
    await node('start').waitFor();
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const input = page.locator('#run-input');
    await input.waitFor();
    expect(JSON.parse(await input.inputValue())).toEqual({ orderId: 'sample-1', total: 250 });

    await input.fill('{ "orderId": ');
    await expect.poll(() => page.getByRole('dialog').textContent()).toMatch(/Not valid JSON yet/);
    expect(await page.getByRole('button', { name: 'Run v1' }).isDisabled()).toBe(true);
    await input.fill('{ "orderId": "o-77", "total": 5 }');
    await page.getByRole('button', { name: 'Run v1' }).click();

    const runId = await runOpened();
    const run = await client.runs.get.query({ id: runId });
    expect(run).toMatchObject({
      version: 1,
      trigger: { kind: 'manual' },
      input: { orderId: 'o-77', total: 5 },
    });
    expect(run.steps.find((s) => s.nodeId === 'note')?.status).toBe('succeeded');
    expect(run.steps.find((s) => s.nodeId === 'shape')?.status).toBe('skipped');
    // The version keeps the positions it was published with (none): the run view lays it out too.
    await expectLaidOut('[data-testid="run-canvas"]');
  });

  it('runs from the scenario list with the sample input; a scenario without a manual trigger has no Run', async () => {
    await page.goto(`${stack.webUrl}/#/scenarios`);
    await page.getByTestId('scenario-table').waitFor();
    expect(await page.getByRole('button', { name: 'Run Nothing yet' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Run Orders by hand' }).click();
    const input = page.locator('#run-input');
    await input.waitFor();
    expect(JSON.parse(await input.inputValue())).toEqual({ orderId: 'sample-1', total: 250 });
    await page.getByRole('button', { name: 'Run v1' }).click();

    const runId = await runOpened();
    const run = await client.runs.get.query({ id: runId });
    expect(run).toMatchObject({ version: 1, input: { orderId: 'sample-1', total: 250 } });
    expect(run.steps.find((s) => s.nodeId === 'done')?.status).toBe('succeeded');
    await screenshot(page, 'run-from-list');
    expect(pageErrors).toEqual([]);
  });
});
