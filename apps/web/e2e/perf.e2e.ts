/**
 * A 300-node scenario in the editor: how long it takes to open, and the frame times while a
 * node is dragged (requestAnimationFrame deltas collected in the page). Printed and written to
 * test-results/perf.json; nothing here asserts a timing (machines differ), only that it works.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RouterInputs } from '@weft/api/types';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchBrowser,
  newPage,
  type Stack,
  screenshot,
  signIn,
  startStack,
  webRoot,
  apiClient,
} from './harness';

const NODE_COUNT = 300;
let stack: Stack;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  stack = await startStack('perf');
  browser = await launchBrowser();
  ({ page } = await newPage(browser));
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** A manual trigger fanning out into 299 loggers, 20 per column, each fed by one of the column before. */
function bigGraph(): RouterInputs['scenarios']['create']['draft'] {
  const nodes: NonNullable<RouterInputs['scenarios']['create']['draft']>['nodes'] = [
    { id: 'start', type: 'trigger.manual', version: 1, config: {}, position: { x: 0, y: 0 } },
  ];
  const edges: NonNullable<RouterInputs['scenarios']['create']['draft']>['edges'] = [];
  for (let i = 1; i < NODE_COUNT; i++) {
    const column = Math.floor((i - 1) / 20) + 1;
    const row = (i - 1) % 20;
    nodes.push({
      id: `step_${i}`,
      type: 'logger',
      version: 1,
      config: { message: `step ${i}: {{ trigger.id }}` },
      position: { x: column * 300, y: row * 110 },
    });
    const source = column === 1 ? 'start' : `step_${(column - 2) * 20 + 1 + (row % 20)}`;
    edges.push({ id: `e${i}`, source, sourceHandle: 'out', target: `step_${i}`, targetHandle: 'in' });
  }
  return { nodes, edges, viewport: null };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

describe('a 300-node scenario', () => {
  it('opens in the editor and stays responsive while a node is dragged', async () => {
    const client = apiClient(stack);
    const scenario = await client.scenarios.create.mutate({ name: 'Three hundred nodes', draft: bigGraph() });
    await signIn(page, stack);

    const opening = Date.now();
    await page.goto(`${stack.webUrl}/#/scenarios/${scenario.id}`);
    await page.waitForFunction(
      (count) => document.querySelectorAll('.react-flow__node').length >= count,
      NODE_COUNT,
      {
        timeout: 60_000,
      },
    );
    const openMs = Date.now() - opening;

    // Zoom in on the first columns so the dragged node is big enough to grab.
    await page.locator('.react-flow__controls-zoomin').click();
    await page.locator('.react-flow__controls-zoomin').click();
    await page.waitForTimeout(300);
    const target = page.locator('[data-node-id="step_5"]');
    const box = await target.boundingBox();
    if (!box) throw new Error('node step_5 is not on screen');
    const before = await target.evaluate(
      (el) => el.closest('.react-flow__node')?.getAttribute('style') ?? '',
    );

    await page.evaluate(() => {
      const frames: number[] = [];
      let last = performance.now();
      let running = true;
      const tick = (now: number) => {
        frames.push(now - last);
        last = now;
        if (running) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
      (window as unknown as { __frames: { frames: number[]; stop: () => void } }).__frames = {
        frames,
        stop: () => {
          running = false;
        },
      };
    });
    const x = box.x + box.width / 2;
    const y = box.y + 12;
    await page.mouse.move(x, y);
    await page.mouse.down();
    const started = Date.now();
    for (let i = 1; i <= 120; i++) {
      await page.mouse.move(x + i * 2, y + Math.sin(i / 10) * 40);
      await page.waitForTimeout(8);
    }
    await page.mouse.up();
    const dragMs = Date.now() - started;
    const frames = await page.evaluate(() => {
      const state = (window as unknown as { __frames: { frames: number[]; stop: () => void } }).__frames;
      state.stop();
      return state.frames.slice(1);
    });
    const sorted = [...frames].sort((a, b) => a - b);
    const result = {
      nodes: NODE_COUNT,
      openMs,
      dragMs,
      frames: frames.length,
      frameMs: {
        median: Number(percentile(sorted, 50).toFixed(1)),
        p95: Number(percentile(sorted, 95).toFixed(1)),
        max: Number((sorted.at(-1) ?? Number.NaN).toFixed(1)),
      },
    };
    console.log(
      `300-node editor: opened in ${openMs} ms; dragging ${dragMs} ms, ${frames.length} frames, ` +
        `frame time median ${result.frameMs.median} ms, p95 ${result.frameMs.p95} ms, max ${result.frameMs.max} ms`,
    );
    mkdirSync(path.join(webRoot, 'test-results'), { recursive: true });
    writeFileSync(path.join(webRoot, 'test-results', 'perf.json'), `${JSON.stringify(result, null, 2)}\n`);
    await screenshot(page, 'editor-300-nodes');

    const after = await target.evaluate((el) => el.closest('.react-flow__node')?.getAttribute('style') ?? '');
    expect(after).not.toBe(before);
    expect(frames.length).toBeGreaterThan(10);
    // The move is one undoable edit, saved by autosave.
    await expect
      .poll(() => page.getByTestId('save-status').textContent(), { timeout: 30_000 })
      .toBe('All changes saved');
    const saved = await client.scenarios.get.query({ id: scenario.id });
    const moved = saved.draft.nodes.find((node) => node.id === 'step_5');
    expect(moved?.position).not.toEqual({ x: 300, y: 4 * 110 });
  });
});
