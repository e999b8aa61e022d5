import { describe, expect, it } from 'vitest';
import { OutboundRateLimitWait } from '../limits/outbound-rate.js';
import type { Step } from '../schemas/entities.js';
import { executeRun } from './execute-run.js';
import { at, edge, fakeHost, json, node, runOf } from './test-host.js';

describe('executeRun', () => {
  it('runs a linear scenario, passing outputs to expressions and inputs, and persists each step', async () => {
    const host = fakeHost();
    const outcome = await executeRun(
      runOf(
        [
          node('start', 'trigger.manual', {}),
          node('shape', 'transform', { expression: '{ "doubled": trigger.body.total * 2 }' }),
          node('log', 'logger', { message: 'total is {{ nodes.shape.doubled }}' }),
        ],
        [edge('start', 'shape'), edge('shape', 'log')],
      ),
      host,
    );
    expect(outcome).toEqual({ status: 'succeeded' });
    expect(host.last('shape')).toMatchObject({ status: 'succeeded', attempts: 1, output: { doubled: 300 } });
    expect(host.last('log')).toMatchObject({
      status: 'succeeded',
      output: { doubled: 300 },
      inputSummary: { in: { doubled: 300 } },
    });
    expect(host.logs).toContain('info log total is 300');
    // Each step is saved when it starts and when it settles.
    expect(host.saved.filter((s) => s.nodeId === 'shape').map((s) => s.status)).toEqual([
      'running',
      'succeeded',
    ]);
  });

  it('skips the branch not taken and runs a merge with the branch that was', async () => {
    const host = fakeHost();
    const outcome = await executeRun(
      runOf(
        [
          node('start', 'trigger.manual', {}),
          node('check', 'condition', { expression: 'trigger.body.total > 1000' }),
          node('big', 'logger', { message: 'big' }),
          node('after_big', 'logger', { message: 'after big' }),
          node('small', 'transform', { expression: '"small"' }),
          node('join', 'merge', { mode: 'array' }),
        ],
        [
          edge('start', 'check'),
          edge('check', 'big', 'true'),
          edge('big', 'after_big'),
          edge('check', 'small', 'false'),
          edge('after_big', 'join'),
          edge('small', 'join'),
        ],
      ),
      host,
    );
    expect(outcome).toEqual({ status: 'succeeded' });
    expect(host.last('check')).toMatchObject({ status: 'succeeded', firedHandles: ['false'] });
    expect(host.last('big')?.status).toBe('skipped');
    expect(host.last('after_big')?.status).toBe('skipped');
    expect(host.last('join')).toMatchObject({ status: 'succeeded', output: ['small'] });
  });

  it('retries a retryable failure with backoff and succeeds on the third attempt', async () => {
    let n = 0;
    const host = fakeHost(() => (++n < 3 ? json(503, { busy: true }) : json(200, { ok: true })));
    const outcome = await executeRun(
      runOf(
        [
          node('start', 'trigger.manual', {}),
          node(
            'call',
            'http.request',
            { url: 'https://api.example.com/x' },
            { retry: { initialDelayMs: 100, maxDelayMs: 1_000 } },
          ),
        ],
        [edge('start', 'call')],
      ),
      host,
    );
    expect(outcome).toEqual({ status: 'succeeded' });
    expect(host.last('call')).toMatchObject({
      status: 'succeeded',
      attempts: 3,
      output: { status: 200, body: { ok: true } },
    });
    // Full jitter with random 0.5: half of 100 then half of 200.
    expect(host.sleeps).toEqual([50, 100]);
    expect(host.saved.filter((s) => s.nodeId === 'call').map((s) => s.status)).toEqual([
      'running',
      'waiting',
      'running',
      'waiting',
      'running',
      'succeeded',
    ]);
  });

  it('a run whose node exhausts its attempts is dead; one with a fatal error fails at once', async () => {
    const dead = fakeHost(() => json(503, {}));
    const deadOutcome = await executeRun(
      runOf(
        [
          node('start', 'trigger.manual', {}),
          node(
            'call',
            'http.request',
            { url: 'https://x.example' },
            { retry: { maxAttempts: 2, initialDelayMs: 10 } },
          ),
          node('log', 'logger', { message: 'x' }),
        ],
        [edge('start', 'call'), edge('call', 'log')],
      ),
      dead,
    );
    expect(deadOutcome).toMatchObject({
      status: 'dead',
      nodeId: 'call',
      error: { code: 'http_5xx', retryable: true },
    });
    expect(dead.calls).toEqual(['call', 'call']);
    expect(dead.last('log')).toBeUndefined();

    const fatal = fakeHost(() => json(404, {}));
    const fatalOutcome = await executeRun(
      runOf(
        [
          node('start', 'trigger.manual', {}),
          node('call', 'http.request', { url: 'https://x.example' }),
          node('log', 'logger', { message: 'x' }),
        ],
        [edge('start', 'call'), edge('call', 'log')],
      ),
      fatal,
    );
    expect(fatalOutcome).toMatchObject({
      status: 'failed',
      nodeId: 'call',
      error: { code: 'http_4xx', retryable: false },
    });
    expect(fatal.calls).toEqual(['call']);
    expect(fatal.last('call')).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('suspends on a long backoff and resumes from the persisted steps without repeating finished ones', async () => {
    let n = 0;
    const host = fakeHost((_, nodeId) =>
      nodeId === 'first' ? json(200, { id: 1 }) : ++n === 1 ? json(503, {}) : json(200, { done: true }),
    );
    const nodes = [
      node('start', 'trigger.manual', {}),
      node('first', 'http.request', { url: 'https://x.example/1' }),
      node(
        'second',
        'http.request',
        { url: 'https://x.example/2' },
        { retry: { initialDelayMs: 60_000, maxDelayMs: 60_000 } },
      ),
    ];
    const edges = [edge('start', 'first'), edge('first', 'second')];
    const outcome = await executeRun(runOf(nodes, edges), host);
    expect(outcome).toEqual({ status: 'suspended', resumeAt: at(30_000) });
    expect(host.last('second')).toMatchObject({ status: 'waiting', attempts: 1, resumeAt: at(30_000) });

    const persisted = ['start', 'first', 'second'].map((id) => host.last(id)!);
    host.advance(30_000);
    const resumed = await executeRun(runOf(nodes, edges, persisted), host);
    expect(resumed).toEqual({ status: 'succeeded' });
    expect(host.calls).toEqual(['first', 'second', 'second']);
    expect(host.last('second')).toMatchObject({ status: 'succeeded', attempts: 2, startedAt: at(0) });
  });

  it('a connection at its outbound rate limit makes the step wait, without counting an attempt', async () => {
    const connectionId = 'cccccccccccccccccccccccc';
    const seen: (string | undefined)[] = [];
    let limited = 2;
    const host = fakeHost((_, nodeId, options) => {
      seen.push(`${nodeId}:${options?.connectionId ?? '-'}`);
      if (limited-- > 0) throw new OutboundRateLimitWait(at(20_000), connectionId, 5);
      return json(200, { sent: true });
    });
    const createContext = host.createContext.bind(host);
    host.createContext = (args) => ({ ...createContext(args), secrets: async () => ({ signingSecret: 's' }) });
    const nodes = [
      node('start', 'trigger.manual', {}),
      node('call', 'http.request', { url: 'https://x.example/1', connectionId }, { retry: { maxAttempts: 1 } }),
      node('notify', 'webhook.send', {
        url: 'https://x.example/2',
        connectionId,
        eventType: 'x',
        payload: {},
      }),
    ];
    const edges = [edge('start', 'call'), edge('call', 'notify')];
    const outcome = await executeRun(runOf(nodes, edges), host);
    expect(outcome).toEqual({ status: 'suspended', resumeAt: at(20_000) });
    expect(host.last('call')).toMatchObject({ status: 'waiting', attempts: 0, resumeAt: at(20_000) });
    expect(host.logs.some((line) => line.includes('call waiting: connection cccc'))).toBe(true);

    host.advance(20_000);
    const again = await executeRun(runOf(nodes, edges, ['start', 'call'].map((id) => host.last(id)!)), host);
    // maxAttempts 1 and yet no failure: waiting for a slot is not an attempt.
    expect(again).toEqual({ status: 'suspended', resumeAt: at(20_000) });
    host.advance(1_000);
    const done = await executeRun(runOf(nodes, edges, ['start', 'call'].map((id) => host.last(id)!)), host);
    expect(done).toEqual({ status: 'succeeded' });
    expect(host.last('call')).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(seen).toEqual([
      `call:${connectionId}`,
      `call:${connectionId}`,
      `call:${connectionId}`,
      `notify:${connectionId}`,
    ]);
  });

  it('a resumed run starting from a crashed step reruns only that step, with earlier outputs', async () => {
    const host = fakeHost(() => json(200, { ok: 2 }));
    const nodes = [
      node('start', 'trigger.manual', {}),
      node('first', 'http.request', { url: 'https://x.example/1' }),
      node('second', 'transform', { expression: 'nodes.first.body' }),
    ];
    const edges = [edge('start', 'first'), edge('first', 'second')];
    const done = (nodeId: string, nodeType: string, output: unknown): Step => ({
      nodeId,
      nodeType,
      status: 'succeeded',
      attempts: 1,
      firedHandles: null,
      output,
      outputTruncated: false,
      error: null,
      startedAt: at(0),
      finishedAt: at(1),
      durationMs: 1,
      resumeAt: null,
    });
    const crashed: Step = { ...done('second', 'transform', undefined), status: 'running', finishedAt: null };
    const outcome = await executeRun(
      runOf(nodes, edges, [
        done('start', 'trigger.manual', {}),
        done('first', 'http.request', { status: 200, body: { ok: 1 } }),
        crashed,
      ]),
      host,
    );
    expect(outcome).toEqual({ status: 'succeeded' });
    expect(host.calls).toEqual([]);
    expect(host.last('second')).toMatchObject({ status: 'succeeded', attempts: 2, output: { ok: 1 } });
  });

  it('a durable delay suspends the run until its time, then passes its input on', async () => {
    const host = fakeHost();
    const nodes = [
      node('start', 'trigger.manual', {}),
      node('wait', 'delay', { durationMs: 60_000 }),
      node('log', 'logger', { message: 'later' }),
    ];
    const edges = [edge('start', 'wait'), edge('wait', 'log')];
    expect(await executeRun(runOf(nodes, edges), host)).toEqual({
      status: 'suspended',
      resumeAt: at(60_000),
    });
    host.advance(60_000);
    const persisted = nodes.map((n) => host.last(n.id)).filter((s): s is Step => s !== undefined);
    expect(await executeRun(runOf(nodes, edges, persisted), host)).toEqual({ status: 'succeeded' });
    expect(host.last('wait')).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('a resumed run lets a step whose backoff is not over wait, while other branches go on', async () => {
    const host = fakeHost(() => json(200, {}));
    const nodes = [node('start', 'trigger.manual', {}), node('slow', 'http.request', { url: 'https://x.example/s' }), node('fast', 'logger', { message: 'f' })];
    const edges = [edge('start', 'slow'), edge('start', 'fast')];
    const waiting: Step = {
      nodeId: 'slow', nodeType: 'http.request', status: 'waiting', attempts: 1, firedHandles: null, outputTruncated: false,
      error: { code: 'http_5xx', message: 'busy', retryable: true }, startedAt: at(0), finishedAt: null, durationMs: 1, resumeAt: at(60_000),
    };
    const outcome = await executeRun(runOf(nodes, edges, [waiting]), host);
    expect(outcome).toEqual({ status: 'suspended', resumeAt: at(60_000) });
    expect(host.calls).toEqual([]);
    expect(host.last('fast')?.status).toBe('succeeded');

    // A backoff ending within the inline limit is slept, then the attempt runs.
    const soon: Step = { ...waiting, resumeAt: at(2_000) };
    const resumed = await executeRun(runOf(nodes, edges, [soon]), host);
    expect(resumed).toEqual({ status: 'succeeded' });
    expect(host.sleeps).toEqual([2_000]);
    expect(host.last('slow')).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('a step interrupted by shutdown is left to run again, even when the node turned the abort into an error', async () => {
    const shutdown = new AbortController();
    const host = fakeHost(() => {
      shutdown.abort();
      throw Object.assign(new Error('aborted'), { name: 'AbortError' });
    });
    const nodes = [node('start', 'trigger.manual', {}), node('call', 'http.request', { url: 'https://x.example' })];
    const outcome = await executeRun(runOf(nodes, [edge('start', 'call')]), host, { signal: shutdown.signal });
    expect(outcome).toEqual({ status: 'suspended', resumeAt: at(0) });
    expect(host.last('call')).toMatchObject({ status: 'running', attempts: 1, error: null });
  });

  it('a cancelled run starts no further step', async () => {
    const host = fakeHost();
    const nodes = [
      node('start', 'trigger.manual', {}),
      node('a', 'logger', { message: 'a' }),
      node('b', 'logger', { message: 'b' }),
    ];
    const run = runOf(nodes, [edge('start', 'a'), edge('a', 'b')]);
    const original = host.saveStep.bind(host);
    host.saveStep = async (step) => {
      await original(step);
      if (step.nodeId === 'a' && step.status === 'succeeded') host.cancel();
    };
    expect(await executeRun(run, host)).toEqual({ status: 'cancelled' });
    expect(host.last('b')).toBeUndefined();
  });

  it('independent branches run concurrently', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const started: string[] = [];
    const host = fakeHost(async (_, nodeId) => {
      started.push(nodeId);
      if (started.length === 2) release();
      await gate;
      return json(200, { nodeId });
    });
    const nodes = [
      node('start', 'trigger.manual', {}),
      node('left', 'http.request', { url: 'https://x.example/l' }),
      node('right', 'http.request', { url: 'https://x.example/r' }),
    ];
    const outcome = await executeRun(runOf(nodes, [edge('start', 'left'), edge('start', 'right')]), host);
    expect(outcome).toEqual({ status: 'succeeded' });
    expect(started.sort()).toEqual(['left', 'right']);
  });

  it('when a step cannot be stored, the other running nodes are stopped before the error leaves the run', async () => {
    const events: string[] = [];
    const host = fakeHost();
    const baseContext = host.createContext.bind(host);
    host.createContext = (args) => ({
      ...baseContext(args),
      // 'slow' runs until it is aborted; 'fast' answers at once.
      http: async () => {
        if (args.nodeId === 'fast') return json(200, {});
        await new Promise((resolve) => args.signal.addEventListener('abort', resolve, { once: true }));
        events.push('slow saw the abort');
        throw new Error('aborted');
      },
    });
    const save = host.saveStep.bind(host);
    host.saveStep = async (step) => {
      if (step.nodeId === 'fast' && step.status === 'succeeded') throw new Error('database unreachable');
      await save(step);
    };
    const nodes = [
      node('start', 'trigger.manual', {}),
      node('slow', 'http.request', { url: 'https://x.example/s' }),
      node('fast', 'http.request', { url: 'https://x.example/f' }),
    ];
    await expect(
      executeRun(runOf(nodes, [edge('start', 'slow'), edge('start', 'fast')]), host).finally(() =>
        events.push('run settled'),
      ),
    ).rejects.toThrow('database unreachable');
    expect(events).toEqual(['slow saw the abort', 'run settled']);
  });

  it('a config that is invalid once its expressions are evaluated fails naming node and field', async () => {
    const host = fakeHost();
    const outcome = await executeRun(
      runOf(
        [
          node('start', 'trigger.manual', {}),
          node('call', 'http.request', { url: '{{ trigger.body.target }}' }),
        ],
        [edge('start', 'call')],
        [],
        { body: { target: 'not a url' } },
      ),
      host,
    );
    expect(outcome).toMatchObject({ status: 'failed', nodeId: 'call', error: { code: 'invalid_config' } });
    if (outcome.status === 'failed')
      expect(outcome.error.message).toBe('node "call": field "url": url must be an absolute http(s) URL');
    expect(host.calls).toEqual([]);
  });

  it('a graph that cannot run fails with its problems', async () => {
    const outcome = await executeRun(runOf([node('a', 'logger', { message: 'x' })], []), fakeHost());
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'invalid_graph' } });
  });
});
