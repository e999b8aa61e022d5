import { describe, expect, it } from 'vitest';
import { runCodeInSandbox } from '../sandbox/run-code.js';
import { dryRun } from '../dry-run/dry-run.js';
import { nodeConfigProblems } from '../nodes/config.js';
import { getNodeDefinition } from '../nodes/registry.js';
import type { OpenWaitRequest, RunWaits, WaitCandidate, WaitResolution } from '../nodes/waits.js';
import type { Step } from '../schemas/entities.js';
import { executeRun } from './execute-run.js';
import { at, edge, fakeHost, node, runOf } from './test-host.js';

const HOUR = 3_600_000;
const APP = 'aaaaaaaaaaaaaaaaaaaaaaaa';

/** Event waits kept in memory as the runner keeps them: offered deliveries, dismissals, one resolution. */
function memoryEventWaits() {
  const state = {
    request: null as OpenWaitRequest | null,
    offered: [] as WaitCandidate[],
    dismissed: [] as string[],
    resolution: null as WaitResolution | null,
  };
  const waits: RunWaits = {
    async open(request) {
      state.request ??= request;
      return { waitId: 'r1:paid', expiresAt: state.request.expiresAt, resolution: state.resolution };
    },
    async timeOut() {
      state.resolution ??= { decision: null, by: null, data: null, timedOut: true, resolvedAt: 'now' };
      return state.resolution;
    },
    async candidates() {
      return state.offered.filter((c) => !state.dismissed.includes(c.id));
    },
    async accept(_id, candidate) {
      state.resolution ??= {
        decision: null,
        by: `delivery ${candidate.event.deliveryId}`,
        data: candidate.event,
        timedOut: false,
        resolvedAt: 'now',
      };
      return state.resolution;
    },
    async dismiss(_id, ids) {
      state.dismissed.push(...ids);
    },
  };
  return { state, waits };
}

function eventHost() {
  const store = memoryEventWaits();
  const host = fakeHost();
  const createContext = host.createContext.bind(host);
  host.createContext = (args) => ({ ...createContext(args), waits: store.waits });
  return { host, store };
}

const delivery = (id: string, body: unknown): WaitCandidate => ({
  id: `d-${id}`,
  event: { deliveryId: id, receivedAt: at(0).toISOString(), headers: {}, body },
});

const config = {
  appId: APP,
  correlationKey: '{{ trigger.body.id }}',
  deliveryKey: 'body.order',
  match: 'delivery.body.status = "paid" and delivery.body.amount = trigger.body.total',
  timeoutMs: 24 * HOUR,
};
const graph = (cfg: Record<string, unknown> = config) => ({
  nodes: [
    node('start', 'trigger.manual', {}),
    node('paid', 'wait.event', cfg),
    node('after', 'transform', { expression: 'nodes.paid.event.body.status' }),
  ],
  edges: [edge('start', 'paid'), edge('paid', 'after')],
});
const trigger = { body: { id: 42, total: 1_500 } };
const persisted = (host: ReturnType<typeof fakeHost>) =>
  ['start', 'paid', 'after'].map((id) => host.last(id)).filter((s): s is Step => s !== undefined);
const again = (host: ReturnType<typeof fakeHost>) =>
  executeRun(runOf(graph().nodes, graph().edges, persisted(host), trigger), host);

describe('wait.event in the engine', () => {
  it('opens a wait with the key computed at its start, suspends, and goes on with the matching delivery', async () => {
    const { host, store } = eventHost();
    const first = await executeRun(runOf(graph().nodes, graph().edges, [], trigger), host);
    expect(first).toEqual({ status: 'suspended', resumeAt: at(24 * HOUR) });
    expect(store.state.request).toEqual({
      kind: 'event',
      expiresAt: at(24 * HOUR),
      appId: APP,
      correlationKey: '42',
      deliveryKey: 'body.order',
      lookBackMs: 300_000,
    });
    expect(host.last('paid')).toMatchObject({
      status: 'waiting',
      attempts: 0,
      waitingFor: { waitId: 'r1:paid' },
    });

    // Offered: another order's, one failing `match`, then the one that matches.
    store.state.offered.push(
      delivery('x-1', { order: 7, status: 'paid', amount: 1_500 }),
      delivery('x-2', { order: 42, status: 'pending', amount: 1_500 }),
      delivery('x-3', { order: 42, status: 'paid', amount: 1_500 }),
    );
    host.advance(HOUR);
    expect(await again(host)).toEqual({ status: 'succeeded' });
    expect(host.last('paid')?.output).toEqual({
      timedOut: false,
      event: {
        deliveryId: 'x-3',
        receivedAt: at(0).toISOString(),
        headers: {},
        body: { order: 42, status: 'paid', amount: 1_500 },
      },
    });
    expect(host.last('after')?.output).toBe('paid');
    // The wait is over: the ones before the match need no dismissal.
    expect(store.state.dismissed).toEqual([]);
  });

  it('dismisses what does not match and waits again, for the same deadline', async () => {
    const { host, store } = eventHost();
    await executeRun(runOf(graph().nodes, graph().edges, [], trigger), host);
    store.state.offered.push(
      delivery('y-1', { order: 42, status: 'refunded', amount: 1_500 }),
      delivery('y-2', 'not json'),
    );
    host.advance(HOUR);
    expect(await again(host)).toEqual({ status: 'suspended', resumeAt: at(24 * HOUR) });
    expect(store.state.dismissed).toEqual(['d-y-1', 'd-y-2']);
    expect(host.last('paid')).toMatchObject({ status: 'waiting', attempts: 0 });
  });

  it('times out with { timedOut: true, event: null }', async () => {
    const { host } = eventHost();
    await executeRun(runOf(graph().nodes, graph().edges, [], trigger), host);
    host.advance(24 * HOUR);
    expect(await again(host)).toEqual({ status: 'succeeded' });
    expect(host.last('paid')?.output).toEqual({ timedOut: true, event: null });
  });

  it('a number key and a delivery number compare as text; without match the key alone decides', async () => {
    const { host, store } = eventHost();
    const { match: _m, ...noMatch } = config;
    store.state.offered.push(delivery('z-1', { order: '42' }));
    const run = runOf(graph(noMatch).nodes, graph(noMatch).edges, [], trigger);
    expect(await executeRun(run, host)).toEqual({ status: 'succeeded' });
    expect(host.last('paid')?.output).toMatchObject({ timedOut: false, event: { deliveryId: 'z-1' } });
  });
});

describe('wait.event config', () => {
  const def = getNodeDefinition('wait.event')!;
  it('names the field of each bad value', () => {
    const problems = (cfg: Record<string, unknown>) =>
      nodeConfigProblems(def, cfg).map((p) => `${p.path.join('.')}: ${p.message}`);
    expect(problems(def.exampleConfig as Record<string, unknown>)).toEqual([]);
    expect(problems({ ...config, appId: 'shop' })[0]).toMatch(/^appId: /);
    expect(problems({ ...config, deliveryKey: '' })).toContain('deliveryKey: deliveryKey is required');
    expect(problems({ ...config, deliveryKey: 'body.(' })[0]).toMatch(/^deliveryKey: /);
    expect(problems({ ...config, match: 'delivery.body.status = ' })[0]).toMatch(/^match: /);
    expect(problems({ ...config, timeoutMs: 5 })).toEqual([
      'timeoutMs: timeoutMs must be at least 1000 (one second)',
    ]);
    expect(problems({ ...config, lookBackMs: 2 * 24 * HOUR })).toEqual([
      'lookBackMs: lookBackMs must be at most one day',
    ]);
    expect(problems({ ...config, correlationKey: '' })).toEqual(['correlationKey: correlationKey is empty']);
    const { correlationKey: _k, ...withoutKey } = config;
    expect(problems(withoutKey)).toEqual(['correlationKey: correlationKey is required (a text or a number)']);
    expect(problems({ ...config, correlationKey: 42 })).toEqual([]);
  });
});

describe('wait.event in a dry-run', () => {
  it('waits for nothing: a simulated delivery with the key, and the log says what a real run would wait for', async () => {
    const result = await dryRun({ runCode: runCodeInSandbox, scenarioId: 's1', graph: graph(), trigger });
    const paid = result.nodes.find((n) => n.nodeId === 'paid')!;
    expect(paid.status).toBe('succeeded');
    expect(paid.output).toMatchObject({
      timedOut: false,
      simulated: true,
      event: { deliveryId: 'dry-run-paid', body: null, correlationKey: '42' },
    });
    expect(paid.logs.map((l) => l.message)).toContain(
      `would wait for a delivery of app ${APP} with the key "42" (simulated: it arrives at once)`,
    );
  });
});
