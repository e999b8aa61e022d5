import { describe, expect, it } from 'vitest';
import type { HttpResponse } from '../nodes/types.js';
import type { ScenarioEdge, ScenarioNode } from '../schemas/graph.js';
import { executeRun } from './execute-run.js';
import { edge, loopTestHost, node } from './loop-test-host.js';

const ok = (body: unknown = { ok: true }): HttpResponse => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
const badRequest: HttpResponse = { status: 400, headers: {}, body: 'no' };

/** trigger → loop (body: call per item) → done → after. */
function loopGraph(
  loopConfig: Record<string, unknown>,
  body: ScenarioNode[] = [
    node('call', 'http.request', {
      method: 'POST',
      url: 'https://sink.example/items/{{ index }}',
      body: '{{ item }}',
    }),
  ],
  bodyEdges: ScenarioEdge[] = [edge('loop', body[0]!.id, 'body')],
) {
  return {
    nodes: [
      node('start', 'trigger.manual', {}),
      node('loop', 'loop.forEach', { items: '{{ trigger.items }}', ...loopConfig }),
      ...body.map((n) => ({ ...n, parentId: 'loop' })),
      node('after', 'transform', { expression: '{ "message": "done " & $string(input.succeeded) }' }),
    ],
    edges: [edge('start', 'loop'), ...bodyEdges, edge('loop', 'after', 'done')],
  };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => ({ n: i }));
const indexOfUrl = (url: string) => Number(url.split('/').at(-1));

describe('loop.forEach', () => {
  it('runs the body once per item, in order, and fires done once with every result', async () => {
    const host = loopTestHost(({ request }) => ok({ got: JSON.parse(request.body ?? 'null') }));
    const graph = loopGraph({});
    const outcome = await executeRun(host.run(graph, { items: range(5) }), host);

    expect(outcome).toEqual({ status: 'succeeded' });
    expect(host.calls.map((c) => indexOfUrl(c.request.url))).toEqual([0, 1, 2, 3, 4]);
    expect(host.calls.map((c) => c.request.headers['Idempotency-Key'])).toEqual(
      [0, 1, 2, 3, 4].map((i) => `r1:call:${i}`),
    );
    const loop = host.steps.get('loop')!;
    expect(loop.status).toBe('succeeded');
    expect(loop.firedHandles).toEqual(['done']);
    expect(loop.output).toEqual({
      items: range(5).map((item, index) => ({
        index,
        status: 'succeeded',
        output: expect.objectContaining({ status: 200, body: { got: item } }),
      })),
      succeeded: 5,
      failed: 0,
      notStarted: 0,
    });
    // `done` fires once: the node after it ran once, with the loop's output.
    expect(host.saved.filter((s) => s.nodeId === 'after' && s.status === 'succeeded')).toHaveLength(1);
    expect(host.saved.filter((s) => s.nodeId === 'loop' && s.status === 'succeeded')).toHaveLength(1);
    expect(host.steps.get('after')!.output).toMatchObject({ message: 'done 5' });
    // Body steps live in the items, not among the run's steps.
    expect(host.steps.has('call')).toBe(false);
    expect([...host.items.values()].map((i) => [i.index, i.status, i.steps.map((s) => s.nodeId)])).toEqual(
      [0, 1, 2, 3, 4].map((i) => [i, 'succeeded', ['call']]),
    );
  });

  it('keeps at most `concurrency` items under way and still fires done once', async () => {
    let inFlight = 0;
    let most = 0;
    const host = loopTestHost(async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight--;
      return ok();
    });
    const outcome = await executeRun(host.run(loopGraph({ concurrency: 3 }), { items: range(12) }), host);
    expect(outcome).toEqual({ status: 'succeeded' });
    expect(most).toBe(3);
    expect(new Set(host.calls.map((c) => c.index))).toEqual(new Set(range(12).map((x) => x.n)));
    expect(host.calls).toHaveLength(12);
    expect(host.saved.filter((s) => s.nodeId === 'after' && s.status === 'succeeded')).toHaveLength(1);
    const output = host.steps.get('loop')!.output as { items: { index: number }[] };
    expect(output.items.map((i) => i.index)).toEqual(range(12).map((x) => x.n));
  });

  it('onItemError stop: the first failure starts nothing new and fails the loop and the run, saying so', async () => {
    const host = loopTestHost(({ index }) => (index === 2 ? badRequest : ok()));
    const outcome = await executeRun(host.run(loopGraph({ onItemError: 'stop' }), { items: range(6) }), host);

    expect(outcome.status).toBe('failed');
    if (outcome.status !== 'failed') throw new Error('unreachable');
    expect(outcome.nodeId).toBe('loop');
    expect(outcome.error.code).toBe('loop_item_failed');
    expect(outcome.error.message).toContain('node "loop": item 2 failed (node "call": ');
    expect(outcome.error.message).toContain('onItemError is "stop"');
    expect(outcome.error.message).toContain('2 succeeded, 1 failed, 3 not started');
    expect(host.calls.map((c) => c.index)).toEqual([0, 1, 2]);
    const loop = host.steps.get('loop')!;
    expect(loop.status).toBe('failed');
    expect(loop.output).toMatchObject({ succeeded: 2, failed: 1, notStarted: 3 });
    expect((loop.output as { items: { status: string }[] }).items.map((i) => i.status)).toEqual([
      'succeeded',
      'succeeded',
      'failed',
      'not_started',
      'not_started',
      'not_started',
    ]);
    expect(host.saved.some((s) => s.nodeId === 'after')).toBe(false);
    expect(host.logs.some((line) => line.startsWith('error loop node "loop": item 2 failed'))).toBe(true);
  });

  it('onItemError stop with concurrency lets the items under way settle before failing', async () => {
    const host = loopTestHost(async ({ index }) => {
      await new Promise((resolve) => setTimeout(resolve, index === 0 ? 0 : 5));
      return index === 0 ? badRequest : ok();
    });
    const outcome = await executeRun(
      host.run(loopGraph({ onItemError: 'stop', concurrency: 3 }), { items: range(10) }),
      host,
    );
    expect(outcome.status).toBe('failed');
    expect(host.calls.map((c) => c.index).sort()).toEqual([0, 1, 2]);
    expect(host.steps.get('loop')!.output).toMatchObject({ succeeded: 2, failed: 1, notStarted: 7 });
    expect([...host.items.values()].every((i) => i.status === 'succeeded' || i.status === 'failed')).toBe(
      true,
    );
  });

  it('onItemError continue: every item runs, the loop succeeds and reports failed > 0', async () => {
    const host = loopTestHost(({ index }) => (index === 1 ? badRequest : ok()));
    const outcome = await executeRun(
      host.run(loopGraph({ onItemError: 'continue' }), { items: range(4) }),
      host,
    );
    expect(outcome).toEqual({ status: 'succeeded' });
    expect(host.calls.map((c) => c.index)).toEqual([0, 1, 2, 3]);
    const output = host.steps.get('loop')!.output as {
      items: { status: string; error?: { message: string } }[];
      failed: number;
    };
    expect(output.failed).toBe(1);
    expect(output.items[1]).toMatchObject({
      status: 'failed',
      error: { message: expect.stringContaining('node "call"') },
    });
    expect(host.steps.get('after')!.output).toMatchObject({ message: 'done 3' });
    expect(host.logs).toContain('warn loop for-each done: 4 items: 3 succeeded, 1 failed, 0 not started');
  });

  it('refuses an array longer than maxItems, naming the node, and runs nothing', async () => {
    const host = loopTestHost();
    const outcome = await executeRun(host.run(loopGraph({ maxItems: 5 }), { items: range(6) }), host);
    expect(outcome.status).toBe('failed');
    if (outcome.status !== 'failed') throw new Error('unreachable');
    expect(outcome.error.code).toBe('invalid_config');
    expect(outcome.error.message).toContain('node "loop"');
    expect(outcome.error.message).toContain('items has 6 entries, more than maxItems (5)');
    expect(host.calls).toHaveLength(0);
    expect(host.items.size).toBe(0);
  });

  it('refuses items that are not an array', async () => {
    const host = loopTestHost();
    const outcome = await executeRun(host.run(loopGraph({}), { items: { a: 1 } }), host);
    expect(outcome.status).toBe('failed');
    if (outcome.status !== 'failed') throw new Error('unreachable');
    expect(outcome.error.message).toContain(
      'node "loop": field "items": items must be an array, got an object',
    );
    expect(host.calls).toHaveLength(0);
  });

  it('runs an empty array as a loop with no items that still fires done', async () => {
    const host = loopTestHost();
    const outcome = await executeRun(host.run(loopGraph({}), { items: [] }), host);
    expect(outcome).toEqual({ status: 'succeeded' });
    expect(host.steps.get('loop')!.output).toEqual({ items: [], succeeded: 0, failed: 0, notStarted: 0 });
    expect(host.steps.get('after')!.status).toBe('succeeded');
  });

  it('gives body expressions item, index, upstream outputs and earlier body outputs of the same item', async () => {
    const host = loopTestHost(({ request }) => ok(JSON.parse(request.body ?? 'null')));
    const graph = {
      nodes: [
        node('start', 'trigger.manual', {}),
        node('prep', 'transform', { expression: '{ "prefix": "p" }' }),
        node('loop', 'loop.forEach', { items: '{{ trigger.items }}' }),
        node(
          'shape',
          'transform',
          {
            expression: '{ "i": index, "name": item.name, "prefix": nodes.prep.prefix, "input": input.name }',
          },
          { parentId: 'loop' },
        ),
        node(
          'send',
          'http.request',
          {
            method: 'POST',
            url: 'https://sink.example/{{ nodes.shape.prefix }}/{{ index }}',
            body: { label: '{{ nodes.shape.name }}-{{ index }}', first: '{{ nodes.loop.name }}' },
          },
          { parentId: 'loop' },
        ),
      ],
      edges: [
        edge('start', 'prep'),
        edge('prep', 'loop'),
        edge('loop', 'shape', 'body'),
        edge('shape', 'send'),
      ],
    };
    const outcome = await executeRun(host.run(graph, { items: [{ name: 'a' }, { name: 'b' }] }), host);
    expect(outcome).toEqual({ status: 'succeeded' });
    expect(host.calls.map((c) => [c.request.url, JSON.parse(c.request.body!)])).toEqual([
      ['https://sink.example/p/0', { label: 'a-0', first: 'a' }],
      ['https://sink.example/p/1', { label: 'b-1', first: 'b' }],
    ]);
    expect(host.items.get('loop#1')!.steps.find((s) => s.nodeId === 'shape')!.output).toEqual({
      i: 1,
      name: 'b',
      prefix: 'p',
      input: 'b',
    });
  });

  it('takes as an item’s output its last node’s, or the outputs of several last nodes by id', async () => {
    const host = loopTestHost();
    const graph = loopGraph(
      {},
      [
        node('a', 'transform', { expression: 'item.n * 10' }),
        node('b', 'transform', { expression: '"b" & $string(index)' }),
        node('c', 'transform', { expression: 'input + 1' }),
      ],
      [edge('loop', 'a', 'body'), edge('loop', 'b', 'body'), edge('a', 'c')],
    );
    await executeRun(host.run(graph, { items: range(2) }), host);
    expect((host.steps.get('loop')!.output as { items: unknown[] }).items).toEqual([
      { index: 0, status: 'succeeded', output: { b: 'b0', c: 1 } },
      { index: 1, status: 'succeeded', output: { b: 'b1', c: 11 } },
    ]);
  });

  it('skips untaken branches inside the body per item', async () => {
    const host = loopTestHost();
    const graph = loopGraph(
      { onItemError: 'continue' },
      [
        node('even', 'condition', { expression: 'index % 2 = 0' }),
        node('call', 'http.request', {
          method: 'POST',
          url: 'https://sink.example/items/{{ index }}',
          body: '{{ item }}',
        }),
      ],
      [edge('loop', 'even', 'body'), edge('even', 'call', 'true')],
    );
    await executeRun(host.run(graph, { items: range(4) }), host);
    expect(host.calls.map((c) => c.index)).toEqual([0, 2]);
    expect(host.items.get('loop#1')!.steps.find((s) => s.nodeId === 'call')!.status).toBe('skipped');
    expect(host.items.get('loop#1')!.status).toBe('succeeded');
  });

  it('resumes after an interruption at the first unsettled item; settled items are not run again', async () => {
    const shutdown = new AbortController();
    let interrupted = false;
    const host = loopTestHost(({ index }) => {
      if (index === 3 && !interrupted) {
        interrupted = true;
        shutdown.abort();
        throw Object.assign(new Error('aborted'), { name: 'AbortError' });
      }
      return ok();
    });
    const graph = loopGraph({});
    const first = await executeRun(host.run(graph, { items: range(6) }), host, { signal: shutdown.signal });
    expect(first.status).toBe('suspended');
    expect(host.steps.get('loop')!.status).toBe('running');
    expect(host.items.get('loop#3')!.status).toBe('running');
    expect(host.items.has('loop#4')).toBe(false);

    const second = await executeRun(host.run(graph, { items: range(6) }), host);
    expect(second).toEqual({ status: 'succeeded' });
    expect(host.calls.map((c) => c.index)).toEqual([0, 1, 2, 3, 3, 4, 5]);
    const keys = host.calls.map((c) => c.request.headers['Idempotency-Key']);
    expect(keys[3]).toBe(keys[4]);
    expect(host.steps.get('loop')!.output).toMatchObject({ succeeded: 6, failed: 0 });
    expect(host.saved.filter((s) => s.nodeId === 'after' && s.status === 'succeeded')).toHaveLength(1);
  });

  it('resumes an item whose body step failed before its record said so as failed, not as succeeded', async () => {
    const host = loopTestHost(() => ok());
    const graph = loopGraph({ onItemError: 'continue' });
    await executeRun(host.run(graph, { items: range(3) }), host);
    // As a crash between the body step's failure and the item's record would leave it.
    const item = host.items.get('loop#1')!;
    host.items.set('loop#1', {
      ...item,
      status: 'running',
      output: undefined,
      steps: item.steps.map((step) => ({
        ...step,
        status: 'failed' as const,
        error: { code: 'http_4xx', message: 'HTTP 400', retryable: false },
      })),
    });
    host.steps.delete('loop');
    host.steps.delete('after');
    host.calls.length = 0;
    const outcome = await executeRun(host.run(graph, { items: range(3) }), host);
    expect(outcome).toEqual({ status: 'succeeded' });
    expect(host.calls).toHaveLength(0);
    expect(host.items.get('loop#1')).toMatchObject({ status: 'failed', error: { message: 'node "call": HTTP 400' } });
    expect(host.steps.get('loop')!.output).toMatchObject({ succeeded: 2, failed: 1 });
  });

  it('replayed from its failure, runs only the failed and unstarted items; succeeded ones keep their outputs', async () => {
    let failing = true;
    const host = loopTestHost(({ index }) => (index === 2 && failing ? badRequest : ok({ index })));
    const graph = loopGraph({ onItemError: 'stop' });
    const first = await executeRun(host.run(graph, { items: range(5) }), host);
    expect(first.status).toBe('failed');
    expect(host.calls.map((c) => c.index)).toEqual([0, 1, 2]);

    // What a replay from the failure starts with: the succeeded steps and the succeeded items.
    for (const [id, step] of host.steps) if (step.status !== 'succeeded') host.steps.delete(id);
    for (const [key, item] of host.items) if (item.status !== 'succeeded') host.items.delete(key);
    failing = false;
    host.calls.length = 0;
    const replay = await executeRun(host.run(graph, { items: range(5) }), host);
    expect(replay).toEqual({ status: 'succeeded' });
    expect(host.calls.map((c) => c.index)).toEqual([2, 3, 4]);
    const output = host.steps.get('loop')!.output as {
      items: { output: { body: unknown } }[];
      succeeded: number;
    };
    expect(output.succeeded).toBe(5);
    expect(output.items.map((i) => i.output.body)).toEqual([0, 1, 2, 3, 4].map((index) => ({ index })));
  });

  it('suspends the run durably while an item waits, and goes on without running settled items again', async () => {
    const host = loopTestHost();
    const graph = loopGraph(
      { concurrency: 2 },
      [
        node('pause', 'delay', { durationMs: 600_000 }),
        node('call', 'http.request', {
          method: 'POST',
          url: 'https://sink.example/items/{{ index }}',
          body: '{{ item }}',
        }),
      ],
      [edge('loop', 'pause', 'body'), edge('pause', 'call')],
    );
    const first = await executeRun(host.run(graph, { items: range(3) }), host, { maxInlineWaitMs: 1_000 });
    expect(first.status).toBe('suspended');
    expect(host.steps.get('loop')!.status).toBe('waiting');
    expect([...host.items.values()].map((i) => i.status)).toEqual(['waiting', 'waiting']);
    expect(host.calls).toHaveLength(0);

    host.advance(600_000);
    const second = await executeRun(host.run(graph, { items: range(3) }), host, { maxInlineWaitMs: 1_000 });
    // Items 0 and 1 are done; item 2 started only now, so it waits its own ten minutes.
    expect(second.status).toBe('suspended');
    expect(host.calls.map((c) => c.index)).toEqual([0, 1]);

    host.advance(600_000);
    const third = await executeRun(host.run(graph, { items: range(3) }), host, { maxInlineWaitMs: 1_000 });
    expect(third).toEqual({ status: 'succeeded' });
    expect(host.calls.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(host.saved.filter((s) => s.nodeId === 'after' && s.status === 'succeeded')).toHaveLength(1);
  });

  it('retries a body step with backoff per the node’s policy, keyed by its item', async () => {
    let failures = 0;
    const host = loopTestHost(({ index }) => {
      if (index === 1 && failures < 2) {
        failures++;
        return { status: 503, headers: {}, body: '' };
      }
      return ok();
    });
    const outcome = await executeRun(host.run(loopGraph({}), { items: range(3) }), host);
    expect(outcome).toEqual({ status: 'succeeded' });
    expect(host.calls.map((c) => c.index)).toEqual([0, 1, 1, 1, 2]);
    expect(
      new Set(host.calls.filter((c) => c.index === 1).map((c) => c.request.headers['Idempotency-Key'])),
    ).toEqual(new Set(['r1:call:1']));
    expect(host.items.get('loop#1')!.steps[0]!.attempts).toBe(3);
  });

  it('gives webhook.send inside a body an id per item', async () => {
    const host = loopTestHost();
    const graph = loopGraph({}, [
      node('notify', 'webhook.send', {
        url: 'https://sink.example/hook',
        connectionId: '0123456789abcdef01234567',
        eventType: 'item.done',
        payload: '{{ item }}',
      }),
    ]);
    await executeRun(host.run(graph, { items: range(2) }), host);
    expect(host.calls.map((c) => c.request.headers['webhook-id'])).toEqual([
      'msg_r1_notify_0',
      'msg_r1_notify_1',
    ]);
  });
});
