import { describe, expect, it } from 'vitest';
import { runCodeInSandbox } from '../sandbox/run-code.js';
import { dryRun } from '../dry-run/dry-run.js';
import { nextLinkFromHeader, resolveNextLink } from '../nodes/builtin/http-pagination.js';
import { nodeConfigProblems } from '../nodes/config.js';
import { getNodeDefinition } from '../nodes/registry.js';
import type { HttpRequest, HttpResponse } from '../nodes/types.js';
import { executeRun } from './execute-run.js';
import { loopTestHost } from './loop-test-host.js';
import { edge, fakeHost, json, node, runOf } from './test-host.js';

/** A listing of `total` contacts, `size` per page, answered for the request's page/offset/cursor. */
function contacts(total: number) {
  return Array.from({ length: total }, (_, i) => ({ id: i + 1 }));
}

function graph(config: Record<string, unknown>) {
  return runOf(
    [node('start', 'trigger.manual', {}), node('list', 'http.request', config)],
    [edge('start', 'list')],
  );
}

function param(request: HttpRequest, name: string): string | null {
  return new URL(request.url).searchParams.get(name);
}

describe('http.request pagination', () => {
  it('follows the Link header until there is no next page, one idempotency key per page', async () => {
    const seen: HttpRequest[] = [];
    const host = fakeHost((request) => {
      seen.push(request);
      const page = Number(param(request, 'p') ?? '1');
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (page < 3)
        headers.Link = `<https://api.example.com/contacts?p=${page + 1}>; rel="next", <https://api.example.com/contacts?p=3>; rel="last"`;
      return { status: 200, headers, body: JSON.stringify({ data: [{ page }, { page }] }) };
    });
    const outcome = await executeRun(
      graph({
        url: 'https://api.example.com/contacts',
        pagination: { mode: 'nextLink', items: 'response.body.data' },
      }),
      host,
    );
    expect(outcome).toEqual({ status: 'succeeded' });
    expect(host.last('list')?.output).toEqual({
      items: [{ page: 1 }, { page: 1 }, { page: 2 }, { page: 2 }, { page: 3 }, { page: 3 }],
      pages: 3,
      complete: true,
      perPage: [
        { page: 1, status: 200, items: 2 },
        { page: 2, status: 200, items: 2 },
        { page: 3, status: 200, items: 2 },
      ],
    });
    expect(seen.map((r) => r.headers['Idempotency-Key'])).toEqual(['r1:list:p1', 'r1:list:p2', 'r1:list:p3']);
    expect(host.pages.get('list#')?.map((p) => p.next)).toEqual([
      'https://api.example.com/contacts?p=2',
      'https://api.example.com/contacts?p=3',
      null,
    ]);
  });

  it('sends the cursor an expression takes from each page, in the query, until it is empty', async () => {
    const all = contacts(5);
    const seen: (string | null)[] = [];
    const host = fakeHost((request) => {
      const cursor = param(request, 'after');
      seen.push(cursor);
      const from = cursor === null ? 0 : Number(cursor);
      const next = from + 2 < all.length ? String(from + 2) : null;
      return json(200, { results: all.slice(from, from + 2), paging: next ? { next: { after: next } } : {} });
    });
    const outcome = await executeRun(
      graph({
        url: 'https://api.example.com/contacts?limit=2',
        pagination: {
          mode: 'cursor',
          items: 'response.body.results',
          cursor: 'response.body.paging.next.after',
          param: 'after',
        },
      }),
      host,
    );
    expect(outcome).toEqual({ status: 'succeeded' });
    expect(seen).toEqual([null, '2', '4']);
    expect(host.last('list')?.output).toMatchObject({ items: all, pages: 3, complete: true });
  });

  it('sends the cursor in a header when asked, replacing a configured one of the same name', async () => {
    const sent: (string | undefined)[] = [];
    const host = fakeHost((request) => {
      const cursor = Object.entries(request.headers).filter(([key]) => key.toLowerCase() === 'x-cursor');
      expect(cursor.length).toBe(1);
      sent.push(cursor[0]?.[1]);
      return json(200, { data: [1], next: cursor[0]?.[1] === 'start' ? 'c2' : null });
    });
    await executeRun(
      graph({
        url: 'https://api.example.com/contacts',
        headers: { 'x-cursor': 'start' },
        pagination: {
          mode: 'cursor',
          items: 'response.body.data',
          cursor: 'response.body.next',
          param: 'X-Cursor',
          in: 'header',
        },
      }),
      host,
    );
    expect(sent).toEqual(['start', 'c2']);
    expect(host.last('list')?.output).toMatchObject({ pages: 2, complete: true });
  });

  it('puts the cursor into a JSON body field when asked', async () => {
    const bodies: unknown[] = [];
    const host = fakeHost((request) => {
      const body = JSON.parse(request.body ?? '{}') as { token?: string };
      bodies.push(body);
      return json(200, { hits: [body.token ?? 'first'], next: body.token ? null : 'b' });
    });
    const outcome = await executeRun(
      graph({
        method: 'POST',
        url: 'https://api.example.com/search',
        body: { query: 'x' },
        pagination: {
          mode: 'cursor',
          items: 'response.body.hits',
          cursor: 'response.body.next',
          param: 'token',
          in: 'body',
        },
      }),
      host,
    );
    expect(outcome).toEqual({ status: 'succeeded' });
    expect(bodies).toEqual([{ query: 'x' }, { query: 'x', token: 'b' }]);
    expect(host.last('list')?.output).toMatchObject({ items: ['first', 'b'], pages: 2 });
  });

  it('counts pages from `start` and stops at a page shorter than pageSize', async () => {
    const all = contacts(7);
    const pages: (string | null)[] = [];
    const host = fakeHost((request) => {
      const page = Number(param(request, 'page'));
      pages.push(param(request, 'page'));
      return json(200, all.slice((page - 1) * 3, page * 3));
    });
    await executeRun(
      graph({
        url: 'https://api.example.com/contacts',
        pagination: { mode: 'page', items: 'response.body', pageSize: 3 },
      }),
      host,
    );
    expect(pages).toEqual(['1', '2', '3']);
    expect(host.last('list')?.output).toMatchObject({ items: all, pages: 3, complete: true });
  });

  it('moves the offset on by the items received and stops at an empty page', async () => {
    const all = contacts(5);
    const offsets: (string | null)[] = [];
    const host = fakeHost((request) => {
      const offset = Number(param(request, 'skip'));
      offsets.push(param(request, 'skip'));
      return json(200, { data: all.slice(offset, offset + 2) });
    });
    await executeRun(
      graph({
        url: 'https://api.example.com/contacts',
        pagination: { mode: 'offset', param: 'skip', items: 'response.body.data' },
      }),
      host,
    );
    expect(offsets).toEqual(['0', '2', '4', '5']);
    expect(host.last('list')?.output).toMatchObject({ items: all, pages: 4, complete: true });
  });

  it('stops at maxPages and says the listing is not complete', async () => {
    const host = fakeHost((request) => {
      const page = Number(param(request, 'page'));
      return json(200, [page]);
    });
    await executeRun(
      graph({
        url: 'https://api.example.com/contacts',
        pagination: { mode: 'page', items: 'response.body', maxPages: 2 },
      }),
      host,
    );
    expect(host.last('list')?.output).toMatchObject({ items: [1, 2], pages: 2, complete: false });
    expect(host.logs.some((line) => line.includes('stopped after pagination.maxPages (2)'))).toBe(true);
  });

  it('retries a failed page per the retry policy and resumes there without fetching the stored pages again', async () => {
    const requests = new Map<string, number>();
    let failures = 1;
    const host = fakeHost((request) => {
      const page = param(request, 'page') ?? '?';
      requests.set(page, (requests.get(page) ?? 0) + 1);
      if (page === '3' && failures-- > 0) return { status: 503, headers: {}, body: 'busy' };
      return json(200, Number(page) <= 4 ? [Number(page)] : []);
    });
    const outcome = await executeRun(
      graph({
        url: 'https://api.example.com/contacts',
        pagination: { mode: 'page', items: 'response.body' },
      }),
      host,
    );
    expect(outcome).toEqual({ status: 'succeeded' });
    expect(Object.fromEntries(requests)).toEqual({ '1': 1, '2': 1, '3': 2, '4': 1, '5': 1 });
    expect(host.last('list')).toMatchObject({ attempts: 2, output: { items: [1, 2, 3, 4], pages: 5 } });
    const retried = host.saved.find((s) => s.nodeId === 'list' && s.status === 'waiting');
    expect(retried?.error?.message).toMatch(/^page 3: /);
  });

  it('gives each page the attempts of the retry policy, and gives up at a page that exhausts them', async () => {
    const failuresLeft = new Map([
      ['2', 2],
      ['4', 2],
      ['5', 3],
    ]);
    const requests: string[] = [];
    const host = fakeHost((request) => {
      const page = param(request, 'page')!;
      requests.push(page);
      const left = failuresLeft.get(page) ?? 0;
      failuresLeft.set(page, left - 1);
      return left > 0 ? { status: 503, headers: {}, body: 'busy' } : json(200, [Number(page)]);
    });
    const outcome = await executeRun(
      graph({
        url: 'https://api.example.com/contacts',
        pagination: { mode: 'page', items: 'response.body' },
      }),
      host,
    );
    // maxAttempts 3 per page: pages 2 and 4 succeed at their third attempt, page 5 fails three times.
    expect(requests).toEqual(['1', '2', '2', '2', '3', '4', '4', '4', '5', '5', '5']);
    expect(outcome).toMatchObject({ status: 'dead', nodeId: 'list' });
    expect(host.last('list')).toMatchObject({ status: 'failed', attempts: 7 });
    expect(host.last('list')?.error?.message).toMatch(/^page 5: /);
    expect(host.logs).toContain(
      'warn list attempt 5 failed (http_5xx, 1 of 3 at its current page); retrying in 500 ms',
    );
    expect(host.logs).toContain(
      'error list giving up after 3 attempts: page 5: HTTP 503 Service Unavailable: busy',
    );
    expect(host.pages.get('list#')?.map((p) => p.page)).toEqual([1, 2, 3, 4]);
  });

  it('goes on from stored pages after an interrupted run', async () => {
    const host = fakeHost((request) =>
      json(200, Number(param(request, 'page')) <= 3 ? [Number(param(request, 'page'))] : []),
    );
    const config = {
      url: 'https://api.example.com/contacts',
      pagination: { mode: 'page', items: 'response.body' },
    };
    const stored = (page: number) => ({
      nodeId: 'list',
      itemIndex: null,
      page,
      url: `https://api.example.com/contacts?page=${page}`,
      status: 200,
      items: [`stored ${page}`],
      next: page + 1,
      attempt: 1,
      fetchedAt: new Date(0),
    });
    await host.saveHttpPage(stored(1));
    await host.saveHttpPage(stored(2));
    await executeRun(graph(config), host);
    expect(host.calls).toHaveLength(2);
    expect(host.last('list')?.output).toMatchObject({ items: ['stored 1', 'stored 2', 3], pages: 4 });
  });

  it('refuses a next link to another origin, naming the field', async () => {
    const host = fakeHost(() => ({
      status: 200,
      headers: {
        'content-type': 'application/json',
        link: '<https://evil.example.net/contacts?p=2>; rel="next"',
      },
      body: '[1]',
    }));
    const outcome = await executeRun(
      graph({
        url: 'https://api.example.com/contacts',
        pagination: { mode: 'nextLink', items: 'response.body' },
      }),
      host,
    );
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'pagination_next_link_refused' } });
    expect(host.last('list')?.error?.message).toBe(
      'node "list", field "pagination.nextLink", page 1: the next link https://evil.example.net… leaves https://api.example.com: next links must stay on the origin of the configured url',
    );
    expect(host.pages.get('list#')).toBeUndefined();
  });

  it('fails with a clear error once the collected items exceed maxItemBytes', async () => {
    const host = fakeHost(() => json(200, ['x'.repeat(600)]));
    const outcome = await executeRun(
      graph({
        url: 'https://api.example.com/contacts',
        pagination: { mode: 'page', items: 'response.body', maxItemBytes: 1024 },
      }),
      host,
    );
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'pagination_too_large' } });
    expect(host.last('list')?.error?.message).toMatch(
      /field "pagination.maxItemBytes", page 2: the items of pages 1–2 take \d+ bytes, more than pagination.maxItemBytes \(1024\)/,
    );
    expect(host.calls).toHaveLength(2);
  });

  it('stops with an error when a cursor repeats the one it was requested with', async () => {
    const host = fakeHost(() => json(200, { data: [1], next: 'same' }));
    const outcome = await executeRun(
      graph({
        url: 'https://api.example.com/contacts',
        pagination: { mode: 'cursor', items: 'response.body.data', cursor: 'response.body.next' },
      }),
      host,
    );
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'pagination_loop' } });
    expect(host.calls).toHaveLength(2);
  });

  it('reports an items expression that fails, naming the field', async () => {
    const host = fakeHost(() => json(200, { data: [1] }));
    const outcome = await executeRun(
      graph({ url: 'https://api.example.com/contacts', pagination: { mode: 'page', items: '$number("x")' } }),
      host,
    );
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'expression_error' } });
    expect(host.last('list')?.error?.message).toMatch(/^node "list", field "pagination.items", page 1: /);
  });

  it('validates the pagination config, naming the field', () => {
    const def = getNodeDefinition('http.request')!;
    const problems = (config: Record<string, unknown>) =>
      nodeConfigProblems(def, config).map((p) => `${p.path.join('.')}: ${p.message}`);
    expect(
      problems({ url: 'https://a.example', pagination: { mode: 'page', items: 'x', maxPages: 1001 } }),
    ).toEqual([expect.stringMatching(/^pagination\.maxPages: /)]);
    expect(
      problems({
        url: 'https://a.example',
        failOnErrorStatus: false,
        pagination: { mode: 'page', items: 'x' },
      }),
    ).toEqual([expect.stringMatching(/^failOnErrorStatus: pagination needs failOnErrorStatus/)]);
    expect(
      problems({
        url: 'https://a.example',
        pagination: { mode: 'cursor', items: 'x', cursor: 'y', in: 'body' },
      }),
    ).toEqual(['pagination.in: a cursor sent in the body needs a method with a body, not GET']);
    expect(problems({ url: 'https://a.example', pagination: { mode: 'cursor', items: 'x' } })).toEqual([
      expect.stringMatching(/^pagination\.cursor: /),
    ]);
    expect(problems({ url: 'https://a.example', pagination: { mode: 'page', items: 'response.(' } })).toEqual(
      [expect.stringMatching(/^pagination\.items: /)],
    );
    expect(
      problems({ url: 'https://a.example', pagination: { mode: 'page', items: 'response.body' } }),
    ).toEqual([]);
  });

  it('previews one simulated page in a dry-run', async () => {
    const result = await dryRun({
      runCode: runCodeInSandbox,
      scenarioId: 's1',
      graph: graph({
        url: 'https://api.example.com/contacts',
        pagination: { mode: 'page', items: 'response.body.data' },
      }).graph,
      trigger: {},
    });
    const list = result.nodes.find((n) => n.nodeId === 'list')!;
    expect(list.status).toBe('succeeded');
    expect(list.requests.map((r) => r.url)).toEqual(['https://api.example.com/contacts?page=1']);
    expect(list.output).toEqual({
      items: [],
      pages: 1,
      complete: true,
      perPage: [{ page: 1, status: 200, items: 0 }],
    });
  });
});

describe('http.request pagination in a for-each body', () => {
  it('keeps the pages of each item apart, with idempotency keys per item and page', async () => {
    const host = loopTestHost(({ request }) => {
      const url = new URL(request.url);
      const page = Number(url.searchParams.get('page'));
      return json(200, page <= 2 ? [`${url.pathname}#${page}`] : []);
    });
    const graph = {
      nodes: [
        node('start', 'trigger.manual', {}),
        node('loop', 'loop.forEach', { items: '{{ trigger.lists }}' }),
        node(
          'list',
          'http.request',
          { url: 'https://api.example.com/{{ item }}', pagination: { mode: 'page', items: 'response.body' } },
          { parentId: 'loop' },
        ),
      ],
      edges: [edge('start', 'loop'), edge('loop', 'list', 'body')],
    };
    const outcome = await executeRun(host.run(graph, { lists: ['a', 'b'] }), host);
    expect(outcome).toEqual({ status: 'succeeded' });
    expect(host.calls.map((c) => c.request.headers['Idempotency-Key'])).toEqual([
      'r1:list:0:p1',
      'r1:list:0:p2',
      'r1:list:0:p3',
      'r1:list:1:p1',
      'r1:list:1:p2',
      'r1:list:1:p3',
    ]);
    const loop = host.steps.get('loop')?.output as { items: { output: { items: unknown[] } }[] };
    expect(loop.items.map((item) => item.output.items)).toEqual([
      ['/a#1', '/a#2'],
      ['/b#1', '/b#2'],
    ]);
  });
});

describe('next links', () => {
  const headers = (link: string): HttpResponse['headers'] => ({ Link: link });
  it('reads rel="next" among other relations of a Link header', () => {
    expect(
      nextLinkFromHeader(
        headers('<https://a.example/x?p=1>; rel="prev", <https://a.example/x?p=3>; rel="next"'),
      ),
    ).toBe('https://a.example/x?p=3');
    expect(nextLinkFromHeader(headers('</x?p=2>; rel=next'))).toBe('/x?p=2');
    expect(nextLinkFromHeader(headers('</x?p=9>; rel="last"'))).toBeNull();
    expect(nextLinkFromHeader({})).toBeNull();
  });

  it('resolves relative links against the page and keeps them on the configured origin', () => {
    expect(resolveNextLink('/x?p=2', 'https://a.example/x?p=1', 'https://a.example/x')).toBe(
      'https://a.example/x?p=2',
    );
    expect(() =>
      resolveNextLink('http://a.example/x?p=2', 'https://a.example/x', 'https://a.example/x'),
    ).toThrow(/must stay on the origin/);
  });
});
