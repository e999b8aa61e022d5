/**
 * Scenario calls in a real browser: a call node is configured in the editor with the scenario
 * picker (published scenarios only), its input and `wait`; an unpublished target is a problem on
 * the canvas; the dry-run simulates the call; a manual run of the published scenario shows the
 * called run as a link with its status, and the called run links back to its caller.
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
const ids = { sync: '', draftOnly: '', flow: '', callsDraft: '' };

const position = { x: 0, y: 0 };
const start = { id: 'start', type: 'trigger.manual', version: 1, config: {}, position };

beforeAll(async () => {
  stack = await startStack('scenario_call');
  browser = await launchBrowser();
  ({ page, errors: pageErrors } = await newPage(browser));
  client = apiClient(stack);
  const sync = await client.scenarios.create.mutate({
    name: 'Sync customer',
    draft: {
      nodes: [
        start,
        {
          id: 'result',
          type: 'transform',
          version: 1,
          config: { expression: '{ "synced": trigger.customerId }' },
          position: { x: 250, y: 0 },
        },
      ],
      edges: [{ id: 'e1', source: 'start', target: 'result' }],
    },
  });
  await client.scenarios.publish.mutate({ id: sync.id });
  const draftOnly = await client.scenarios.create.mutate({
    name: 'Draft only',
    draft: { nodes: [start], edges: [] },
  });
  const flow = await client.scenarios.create.mutate({
    name: 'Order flow',
    draft: { nodes: [start], edges: [] },
  });
  const callsDraft = await client.scenarios.create.mutate({
    name: 'Calls a draft',
    draft: {
      nodes: [
        start,
        {
          id: 'call',
          type: 'scenario.call',
          version: 1,
          config: { scenarioId: draftOnly.id },
          position: { x: 250, y: 0 },
        },
      ],
      edges: [{ id: 'e1', source: 'start', target: 'call' }],
    },
  });
  Object.assign(ids, { sync: sync.id, draftOnly: draftOnly.id, flow: flow.id, callsDraft: callsDraft.id });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const { node, connect, fitView } = onCanvas(() => page);

describe('scenario.call in the editor', () => {
  it('configures a call with the scenario picker, its input and wait', async () => {
    await signIn(page, stack);
    await page.goto(`${stack.webUrl}/#/scenarios/${ids.flow}`);
    await node('start').waitFor();
    await page.dragAndDrop('[data-node-type="scenario.call"]', '[data-testid="canvas"]', {
      targetPosition: { x: 250, y: 540 },
    });
    await node('scenario_call').waitFor();
    await connect('start', 'scenario_call');
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(1);
    // No target yet: the node says so.
    await expect.poll(() => node('scenario_call').getAttribute('data-problems')).toBe('1');

    await node('scenario_call').click({ position: { x: 20, y: 12 } });
    const panel = page.locator('[data-panel-node="scenario_call"]');
    const picker = panel.locator('[data-field="scenarioId"] select');
    await picker.waitFor();
    // Only published scenarios other than this one are offered.
    await expect
      .poll(() => picker.locator('option').allTextContents())
      .toEqual(['Choose a scenario…', 'Sync customer (v1)']);
    await picker.selectOption({ label: 'Sync customer (v1)' });
    await panel.locator('[data-field="input"] textarea').fill('{ "customerId": "{{ trigger.customerId }}" }');
    expect(await panel.locator('[data-field="wait"] input[type="checkbox"]').isChecked()).toBe(true);
    await expect.poll(() => node('scenario_call').getAttribute('data-problems')).toBe('0');
    await expect
      .poll(() => page.getByTestId('save-status').textContent(), { timeout: 10_000 })
      .toBe('All changes saved');
    const saved = await client.scenarios.get.query({ id: ids.flow });
    expect(saved.draft.nodes.find((n) => n.id === 'scenario_call')?.config).toEqual({
      scenarioId: ids.sync,
      input: { customerId: '{{ trigger.customerId }}' },
    });
  });

  it('dry-runs the call as a simulation', async () => {
    await page.getByRole('button', { name: 'Dry-run' }).click();
    await page.locator('.dry-run textarea').fill('{ "customerId": "c-9" }');
    await page.getByTestId('run-dry-run').click();
    await expect.poll(() => node('scenario_call').getAttribute('data-status')).toBe('succeeded');
    // The dry-run panel now covers the canvas's lower part, where the call was dropped: fit the
    // graph into what is left and let the view's animation end before clicking the node.
    await fitView();
    await node('scenario_call').click({ position: { x: 20, y: 12 } });
    await page
      .locator('[data-panel-node="scenario_call"]')
      .getByRole('tab', { name: /Dry-run/ })
      .click();
    const output = page.locator('[data-dry-run-node="scenario_call"]');
    await output.waitFor();
    expect(await output.textContent()).toMatch(/simulated/);
    expect(await output.textContent()).toMatch(/c-9/);
    await page.keyboard.press('Escape');
  });

  it('shows a call of an unpublished scenario as a problem on the canvas', async () => {
    await page.goto(`${stack.webUrl}/#/scenarios/${ids.callsDraft}`);
    await node('call').waitFor();
    await expect
      .poll(() => node('call').locator('.node-problem').textContent())
      .toMatch(/"Draft only" is not published/);
  });

  it('publishes, runs, and links the called run with its status, both ways', async () => {
    await client.scenarios.publish.mutate({ id: ids.flow });
    const response = await fetch(`${stack.apiUrl}/trigger/${ids.flow}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ customerId: 'c-42' }),
    });
    expect(response.status).toBe(202);
    const { runId } = (await response.json()) as { runId: string };

    // The backend first (parent suspended, child run, parent resumed), then what the run view shows.
    const deadline = Date.now() + 60_000;
    let run = await client.runs.get.query({ id: runId });
    while (run.status !== 'succeeded') {
      if (Date.now() > deadline || ['failed', 'dead', 'cancelled'].includes(run.status)) {
        const children = await Promise.all(run.children.map((c) => client.runs.get.query({ id: c.runId })));
        throw new Error(`the run did not succeed: ${JSON.stringify({ run, children })}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
      run = await client.runs.get.query({ id: runId });
    }
    await page.goto(`${stack.webUrl}/#/runs/${runId}`);
    const view = page.locator('.run-view');
    await expect.poll(() => view.getAttribute('data-run-status'), { timeout: 30_000 }).toBe('succeeded');
    const children = page.getByTestId('run-children');
    await expect
      .poll(() => children.locator('[data-status]').getAttribute('data-status'), { timeout: 30_000 })
      .toBe('succeeded');
    const childId = run.children[0]!.runId;
    expect(run.steps.find((s) => s.nodeId === 'scenario_call')?.output).toMatchObject({
      runId: childId,
      status: 'succeeded',
      output: { result: { synced: 'c-42' } },
    });
    await screenshot(page, 'run-view-call');

    await children.locator(`[data-child-run="${childId}"] a`).click();
    await page.getByTestId('run-parent').waitFor();
    expect(await page.getByTestId('run-parent').textContent()).toMatch(/scenario_call/);
    await page.getByTestId('run-parent').locator('a').click();
    await page.getByTestId('run-children').waitFor();
    expect(pageErrors).toEqual([]);
  });
});
