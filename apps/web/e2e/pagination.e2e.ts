/**
 * A paginated HTTP request in a real browser: pagination is chosen in the node's form (mode, the
 * items expression, maxPages with its limit reported on the field), the canvas summary says the
 * node fetches all pages, the dry-run simulates one page without calling the API, and a run over
 * HTTP shows its pages with their status and item counts in the run view, also for a paginated
 * step inside a for-each body (per picked item).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
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
let api: http.Server;
let apiUrl = '';
let scenarioId = '';
/** Requests per `<path>#<page>` the contacts API saw. */
const requests = new Map<string, number>();

beforeAll(async () => {
  // The partner API: three pages of two contacts, then an empty page.
  api = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const pageNo = url.searchParams.get('page') ?? '?';
    const key = `${url.pathname}#${pageNo}`;
    requests.set(key, (requests.get(key) ?? 0) + 1);
    const n = Number(pageNo);
    // /contacts has three full pages; /lists/<name> one.
    const last = url.pathname === '/contacts' ? 3 : 1;
    const data = n >= 1 && n <= last ? [{ id: `c${n}a` }, { id: `c${n}b` }] : [];
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ data }));
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;

  stack = await startStack('pagination');
  browser = await launchBrowser();
  ({ page, errors: pageErrors } = await newPage(browser));
  client = apiClient(stack);
  const created = await client.scenarios.create.mutate({
    name: 'All contacts',
    draft: {
      nodes: [
        { id: 'start', type: 'trigger.manual', version: 1, config: {}, position: { x: 0, y: 0 } },
        {
          id: 'list',
          type: 'http.request',
          version: 2,
          config: { url: `${apiUrl}/contacts` },
          position: { x: 300, y: 0 },
        },
      ],
      edges: [{ id: 'e1', source: 'start', target: 'list' }],
    },
  });
  scenarioId = created.id;
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  api?.closeAllConnections();
  await new Promise((resolve) => api?.close(resolve));
});

const { node } = onCanvas(() => page);

describe('pagination of http.request in the editor and the run view', () => {
  it('configures pagination in the form, with field errors for bad input', async () => {
    await signIn(page, stack);
    await page.goto(`${stack.webUrl}/#/scenarios/${scenarioId}`);
    await node('list').waitFor();
    await node('list').click({ position: { x: 20, y: 12 } });
    const panel = page.locator('[data-panel-node="list"]');
    const mode = panel.locator('[data-field="pagination"] select');
    await mode.waitFor();
    expect(await mode.inputValue()).toBe('');
    await mode.selectOption('page');
    // Chosen but without an items expression: the node has a problem, named on the field.
    await expect.poll(() => node('list').getAttribute('data-problems')).toBe('1');
    await panel.locator('[data-field="pagination.items"] textarea').fill('response.body.data');
    await expect.poll(() => node('list').getAttribute('data-problems')).toBe('0');

    const maxPages = panel.locator('[data-field="pagination.maxPages"] input');
    await maxPages.fill('5000');
    await expect
      .poll(() => panel.locator('[data-field="pagination.maxPages"] .field-error').textContent())
      .toMatch(/1000/);
    await expect.poll(() => node('list').getAttribute('data-problems')).toBe('1');
    await maxPages.fill('6');
    await expect.poll(() => node('list').getAttribute('data-problems')).toBe('0');
    await expect
      .poll(() => node('list').locator('.node-summary').textContent())
      .toBe(`GET ${apiUrl}/contacts · all pages (page, at most 6)`);
    await expect
      .poll(() => page.getByTestId('save-status').textContent(), { timeout: 10_000 })
      .toBe('All changes saved');
    const saved = await client.scenarios.get.query({ id: scenarioId });
    expect(saved.draft.nodes.find((n) => n.id === 'list')?.config).toEqual({
      url: `${apiUrl}/contacts`,
      pagination: { mode: 'page', items: 'response.body.data', maxPages: 6 },
    });
  });

  it('dry-runs one simulated page, calling nothing', async () => {
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Dry-run' }).click();
    await page.getByTestId('run-dry-run').click();
    await expect.poll(() => node('list').getAttribute('data-status')).toBe('succeeded');
    const pages = page.locator('[data-http-pages="list"]');
    await pages.waitFor();
    expect(await pages.locator('h4').textContent()).toBe('1 page, 0 items');
    expect(await pages.locator('[data-page]').count()).toBe(1);
    expect(requests.size).toBe(0);
  });

  it('runs over HTTP and shows each page with its status and items in the run view', async () => {
    await client.scenarios.publish.mutate({ id: scenarioId });
    const response = await fetch(`${stack.apiUrl}/trigger/${scenarioId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(202);
    const { runId } = (await response.json()) as { runId: string };

    await page.goto(`${stack.webUrl}/#/runs/${runId}`);
    const view = page.locator('.run-view');
    await expect.poll(() => view.getAttribute('data-run-status'), { timeout: 30_000 }).toBe('succeeded');
    await node('list').click({ position: { x: 20, y: 12 } });
    const pages = page.locator('[data-http-pages="list"]');
    await pages.waitFor();
    expect(await pages.locator('h4').textContent()).toBe('4 pages, 6 items');
    const rows = await pages
      .locator('[data-page]')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows).toEqual([
      ['1', '200', '2'],
      ['2', '200', '2'],
      ['3', '200', '2'],
      ['4', '200', '0'],
    ]);
    // Each page was requested once.
    expect(Object.fromEntries(requests)).toEqual({
      '/contacts#1': 1,
      '/contacts#2': 1,
      '/contacts#3': 1,
      '/contacts#4': 1,
    });
    await screenshot(page, 'pagination-run');
  });

  it('shows the pages of a paginated step inside a for-each body per item', async () => {
    const looped = await client.scenarios.create.mutate({
      name: 'Every list',
      draft: {
        nodes: [
          { id: 'start', type: 'trigger.manual', version: 1, config: {}, position: { x: 0, y: 0 } },
          {
            id: 'each',
            type: 'loop.forEach',
            version: 1,
            config: { items: '{{ trigger.lists }}' },
            position: { x: 300, y: 0 },
          },
          {
            id: 'fetch',
            type: 'http.request',
            version: 2,
            parentId: 'each',
            config: {
              url: `${apiUrl}/lists/{{ item }}`,
              pagination: { mode: 'page', items: 'response.body.data' },
            },
            position: { x: 40, y: 80 },
          },
        ],
        edges: [
          { id: 'e1', source: 'start', target: 'each' },
          { id: 'e2', source: 'each', sourceHandle: 'body', target: 'fetch' },
        ],
      },
    });
    await client.scenarios.publish.mutate({ id: looped.id });
    const response = await fetch(`${stack.apiUrl}/trigger/${looped.id}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ lists: ['a', 'b'] }),
    });
    expect(response.status).toBe(202);
    const { runId } = (await response.json()) as { runId: string };

    await page.goto(`${stack.webUrl}/#/runs/${runId}`);
    const view = page.locator('.run-view');
    await expect.poll(() => view.getAttribute('data-run-status'), { timeout: 30_000 }).toBe('succeeded');
    await node('each').locator('.loop-head').click();
    const items = page.locator('[data-loop-items="each"] [data-item]');
    await expect.poll(() => items.count()).toBe(2);
    await items.nth(1).click();
    const pages = page.locator('[data-loop-items="each"] [data-http-pages="fetch"]');
    await pages.waitFor();
    expect(await pages.locator('h4').textContent()).toBe('2 pages, 2 items');
    expect(await pages.locator('[data-page]').count()).toBe(2);
    expect(requests.get('/lists/b#1')).toBe(1);
    expect(requests.get('/lists/b#2')).toBe(1);
    expect(pageErrors).toEqual([]);
  });
});
