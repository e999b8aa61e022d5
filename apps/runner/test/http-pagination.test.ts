import { randomBytes } from 'node:crypto';
import { createConnection, listHttpPages, toObjectId } from '@weft/db';
import { describe, expect, it } from 'vitest';
import { OutboundLimiter } from '../src/execution/outbound-limiter.js';
import { processRun } from '../src/execution/process-run.js';
import { edge, eventually, keyring, node, publish, queueRuns, runOf, stepOf } from './fixtures/seed.js';
import { setUpRuns, useSink } from './fixtures/run-setup.js';
import type { SinkReply } from './fixtures/sink.js';

/**
 * Paginated `http.request` steps under the runner's real effects: pages stored in the database
 * before the next is requested, a runner stopped mid-listing resuming at the next page, pages
 * held to the connection's rate limit, next links kept on the configured origin.
 */

const sink = await useSink();
const { ctx, seeded, deps } = await setUpRuns({
  name: 'pages-test-enqueuer',
  owner: 'pages-runner',
});

/** `/<prefix>/1` … `/<prefix>/<last>`: each page lists two contacts and links to the next. */
function listing(
  prefix: string,
  last: number,
  hold?: (page: number, count: number) => SinkReply | undefined,
) {
  for (let page = 1; page <= last; page++) {
    sink.on(`/${prefix}/${page}`, (_, count) => {
      const held = hold?.(page, count);
      if (held) return held;
      return {
        headers: page < last ? { Link: `<${sink.url}/${prefix}/${page + 1}>; rel="next"` } : {},
        body: { contacts: [{ id: `${page}a` }, { id: `${page}b` }] },
      };
    });
  }
}
const counts = (prefix: string, last: number) =>
  Array.from({ length: last }, (_, i) => sink.count(`/${prefix}/${i + 1}`));
const contactsOf = (last: number) =>
  Array.from({ length: last }, (_, i) => [{ id: `${i + 1}a` }, { id: `${i + 1}b` }]).flat();

async function paginatedScenario(url: string, extra: Record<string, unknown> = {}) {
  return publish(
    ctx.db,
    seeded.workspaceId,
    [
      node('start', 'trigger.manual', {}),
      node('list', 'http.request', {
        url,
        timeoutMs: 60_000,
        pagination: { mode: 'nextLink', items: 'response.body.contacts', maxPages: 20 },
        ...extra,
      }),
    ],
    [edge('start', 'list')],
  );
}

describe('paginated http.request in the runner', () => {
  it('a runner stopped while page 3 is in flight resumes at page 3: pages 1 and 2 are not fetched again', async () => {
    const stop = new AbortController();
    listing('stop', 5, (page, count) => {
      if (page !== 3 || count !== 1) return undefined;
      stop.abort(new Error('the runner is shutting down'));
      return { after: new Promise(() => {}) };
    });
    const version = await paginatedScenario(`${sink.url}/stop/1`);
    const [runId] = await queueRuns(ctx.db, version);

    expect(await processRun(deps(), runId!, { signal: stop.signal })).toEqual({ status: 'released' });
    expect(counts('stop', 5)).toEqual([1, 1, 1, 0, 0]);
    const stored = await listHttpPages(ctx.db.models, toObjectId(runId!), 'list', null);
    expect(stored.map((page) => [page.page, page.status, page.next])).toEqual([
      [1, 200, `${sink.url}/stop/2`],
      [2, 200, `${sink.url}/stop/3`],
    ]);

    expect(await processRun(deps(), runId!)).toEqual({ status: 'succeeded' });
    // Each page was fetched once, except page 3, which was in flight when the runner stopped.
    expect(counts('stop', 5)).toEqual([1, 1, 2, 1, 1]);
    const keys = (page: number) =>
      new Set(
        sink.requests.filter((r) => r.path === `/stop/${page}`).map((r) => r.headers['idempotency-key']),
      );
    expect(keys(3)).toEqual(new Set([`${runId}:list:p3`]));
    expect(keys(5)).toEqual(new Set([`${runId}:list:p5`]));

    const run = await runOf(ctx.db, runId!);
    expect(stepOf(run, 'list')).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(stepOf(run, 'list').output).toEqual({
      items: contactsOf(5),
      pages: 5,
      complete: true,
      perPage: [1, 2, 3, 4, 5].map((page) => ({ page, status: 200, items: 2 })),
    });
  });

  it('a page answered 503 is retried at that page, with the attempts of the retry policy per page', async () => {
    listing('flaky', 4, (page, count) =>
      page === 2 && count <= 2 ? { status: 503, body: 'busy' } : undefined,
    );
    const version = await paginatedScenario(`${sink.url}/flaky/1`);
    const [runId] = await queueRuns(ctx.db, version);
    expect(await processRun(deps({ engine: { maxInlineWaitMs: 60_000 } }), runId!)).toEqual({
      status: 'succeeded',
    });
    expect(counts('flaky', 4)).toEqual([1, 3, 1, 1]);
    const run = await runOf(ctx.db, runId!);
    expect(stepOf(run, 'list')).toMatchObject({ status: 'succeeded', attempts: 3 });
    expect(stepOf(run, 'list').output).toMatchObject({ items: contactsOf(4), pages: 4 });
  });

  it('refuses a next link to another origin before requesting it', async () => {
    // Same server, another origin (host name): refused all the same.
    sink.on('/away/1', () => ({
      headers: { Link: `<http://localhost:${sink.port}/away/2>; rel="next"` },
      body: { contacts: [{ id: 1 }] },
    }));
    const version = await paginatedScenario(`${sink.url}/away/1`);
    const [runId] = await queueRuns(ctx.db, version);
    expect(await processRun(deps(), runId!)).toEqual({ status: 'failed' });
    const run = await runOf(ctx.db, runId!);
    expect(run.error).toMatchObject({
      code: 'pagination_next_link_refused',
      message: `node "list", field "pagination.nextLink", page 1: the next link http://localhost:${sink.port}… leaves ${sink.url}: next links must stay on the origin of the configured url`,
    });
    expect(sink.count('/away/2')).toBe(0);
  });

  it("holds every page to the connection's rate limit: a page without a slot waits durably and the run resumes at it", async () => {
    const connection = await createConnection(ctx.db.models, keyring, seeded.workspaceId, {
      appId: seeded.appId.toHexString(),
      name: `paged ${randomBytes(3).toString('hex')}`,
      secrets: { token: 'sekret-token' },
      rateLimitPerSec: 1,
    });
    const slots: (number | null)[] = [];
    class RecordingLimiter extends OutboundLimiter {
      override async acquire(...args: Parameters<OutboundLimiter['acquire']>): Promise<number | null> {
        const slot = await super.acquire(...args);
        slots.push(slot);
        return slot;
      }
    }
    // A slot further away than this suspends the step instead of holding the request.
    const outbound = new RecordingLimiter(ctx.db.models, { horizonMs: 100 });
    listing('limited', 3);
    const version = await paginatedScenario(`${sink.url}/limited/1`, {
      connectionId: connection._id.toHexString(),
      auth: { kind: 'bearer' },
    });
    const [runId] = await queueRuns(ctx.db, version);

    const results: string[] = [];
    const run = await eventually(
      async () => {
        const result = await processRun(deps({ outbound }), runId!);
        results.push(result.status);
        const current = await runOf(ctx.db, runId!);
        return current.status === 'succeeded' ? current : null;
      },
      30_000,
      async () => `results ${results.join(',')}; run ${JSON.stringify(await runOf(ctx.db, runId!))}`,
    );
    // At 1 request per second, the pages cannot all go within one claim: the step waited.
    expect(results).toContain('waiting');
    expect(counts('limited', 3)).toEqual([1, 1, 1]);
    // Every page had a slot of its own; waiting for one spent no attempt.
    expect(slots.filter((slot) => slot !== null)).toHaveLength(3);
    expect(new Set(slots).size).toBe(3);
    expect(stepOf(run, 'list')).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(stepOf(run, 'list').output).toMatchObject({ items: contactsOf(3), pages: 3 });
    for (const request of sink.requests.filter((r) => r.path.startsWith('/limited/')))
      expect(request.headers.authorization).toBe('Bearer sekret-token');
  });
});
