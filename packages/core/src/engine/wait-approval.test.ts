import { describe, expect, it } from 'vitest';
import { runCodeInSandbox } from '../sandbox/run-code.js';
import { dryRun } from '../dry-run/dry-run.js';
import { WeftError } from '../errors/weft-error.js';
import { nodeConfigProblems } from '../nodes/config.js';
import { getNodeDefinition } from '../nodes/registry.js';
import type { OpenWaitRequest, RunWaits, WaitResolution } from '../nodes/waits.js';
import type { Step } from '../schemas/entities.js';
import { executeRun } from './execute-run.js';
import { at, edge, fakeHost, node, runOf } from './test-host.js';

const HOUR = 3_600_000;

/** Waits kept in memory as the runner keeps them: one per step, resolved once. */
function memoryWaits() {
  const waits = new Map<string, { request: OpenWaitRequest; resolution: WaitResolution | null }>();
  let opens = 0;
  let failNextOpen = false;
  const api = {
    waits,
    get opens() {
      return opens;
    },
    failNextOpen() {
      failNextOpen = true;
    },
    resolve(id: string, resolution: WaitResolution): boolean {
      const wait = waits.get(id);
      if (!wait || wait.resolution) return false;
      wait.resolution = resolution;
      return true;
    },
    forNode(nodeId: string): RunWaits {
      const id = `r1:${nodeId}`;
      return {
        async open(request) {
          opens += 1;
          if (failNextOpen) {
            failNextOpen = false;
            throw new WeftError('network', 'the database is not reachable', { retryable: true });
          }
          if (!waits.has(id)) waits.set(id, { request, resolution: null });
          const wait = waits.get(id)!;
          return { waitId: id, expiresAt: wait.request.expiresAt, resolution: wait.resolution };
        },
        async timeOut(waitId) {
          api.resolve(waitId, { decision: null, by: null, data: null, timedOut: true, resolvedAt: 'now' });
          return waits.get(waitId)!.resolution!;
        },
        candidates: async () => [],
        accept: async () => {
          throw new Error('an approval accepts no delivery');
        },
        dismiss: async () => undefined,
      };
    },
  };
  return api;
}

function approvalHost() {
  const store = memoryWaits();
  const host = fakeHost();
  const createContext = host.createContext.bind(host);
  host.createContext = (args) => ({ ...createContext(args), waits: store.forNode(args.nodeId) });
  return { host, store };
}

const graph = (
  config: Record<string, unknown> = { message: 'Approve order {{ trigger.body.id }}?', timeoutMs: 24 * HOUR },
) => ({
  nodes: [
    node('start', 'trigger.manual', {}),
    node('approve', 'wait.approval', config),
    node('after', 'transform', { expression: 'nodes.approve.decision' }),
  ],
  edges: [edge('start', 'approve'), edge('approve', 'after')],
});
const trigger = { body: { id: 'o-1', total: 1_500 } };
const persisted = (host: ReturnType<typeof fakeHost>) =>
  ['start', 'approve', 'after'].map((id) => host.last(id)).filter((s): s is Step => s !== undefined);

describe('wait.approval in the engine', () => {
  it('suspends on an open wait until the timeout, then resumes early with the decision as output', async () => {
    const { host, store } = approvalHost();
    const first = await executeRun(runOf(graph().nodes, graph().edges, [], trigger), host);

    expect(first).toEqual({ status: 'suspended', resumeAt: at(24 * HOUR) });
    expect(store.waits.get('r1:approve')?.request).toEqual({
      kind: 'approval',
      expiresAt: at(24 * HOUR),
      message: 'Approve order o-1?',
    });
    expect(host.last('approve')).toMatchObject({
      status: 'waiting',
      attempts: 0,
      resumeAt: at(24 * HOUR),
      waitingFor: { waitId: 'r1:approve' },
    });

    store.resolve('r1:approve', {
      decision: 'approved',
      by: 'manager',
      data: { note: 'fine' },
      timedOut: false,
      resolvedAt: at(HOUR).toISOString(),
    });
    host.advance(HOUR);
    const second = await executeRun(runOf(graph().nodes, graph().edges, persisted(host), trigger), host);

    expect(second).toEqual({ status: 'succeeded' });
    expect(host.last('approve')).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      output: { decision: 'approved', by: 'manager', data: { note: 'fine' }, timedOut: false },
    });
    expect(host.last('approve')).not.toHaveProperty('waitingFor');
    expect(host.last('after')).toMatchObject({ status: 'succeeded', output: 'approved' });
  });

  it('a resume before anyone decided waits again, for the same wait and the same deadline', async () => {
    const { host, store } = approvalHost();
    await executeRun(runOf(graph().nodes, graph().edges, [], trigger), host);
    host.advance(2 * HOUR);
    const again = await executeRun(runOf(graph().nodes, graph().edges, persisted(host), trigger), host);
    expect(again).toEqual({ status: 'suspended', resumeAt: at(24 * HOUR) });
    expect(store.waits.size).toBe(1);
    expect(store.opens).toBe(2);
  });

  it('times out at the deadline with timedOut: true, and a later decision no longer counts', async () => {
    const { host, store } = approvalHost();
    await executeRun(runOf(graph().nodes, graph().edges, [], trigger), host);
    host.advance(24 * HOUR);
    const done = await executeRun(runOf(graph().nodes, graph().edges, persisted(host), trigger), host);
    expect(done).toEqual({ status: 'succeeded' });
    expect(host.last('approve')?.output).toEqual({ decision: null, by: null, data: null, timedOut: true });
    expect(
      store.resolve('r1:approve', {
        decision: 'approved',
        by: 'late',
        data: null,
        timedOut: false,
        resolvedAt: 'x',
      }),
    ).toBe(false);
  });

  it('a decision that came in just before the timeout wins over it', async () => {
    const { host, store } = approvalHost();
    await executeRun(runOf(graph().nodes, graph().edges, [], trigger), host);
    store.resolve('r1:approve', {
      decision: 'rejected',
      by: 'manager',
      data: null,
      timedOut: false,
      resolvedAt: 'x',
    });
    host.advance(25 * HOUR);
    await executeRun(runOf(graph().nodes, graph().edges, persisted(host), trigger), host);
    expect(host.last('approve')?.output).toEqual({
      decision: 'rejected',
      by: 'manager',
      data: null,
      timedOut: false,
    });
  });

  it('database trouble while opening the wait is retried', async () => {
    const { host, store } = approvalHost();
    store.failNextOpen();
    const outcome = await executeRun(runOf(graph().nodes, graph().edges, [], trigger), host);
    expect(outcome.status).toBe('suspended');
    expect(host.last('approve')).toMatchObject({
      status: 'waiting',
      attempts: 1,
      waitingFor: { waitId: 'r1:approve' },
    });
  });
});

describe('wait.approval config', () => {
  const def = getNodeDefinition('wait.approval')!;
  it('names the field of a bad timeout or message', () => {
    expect(nodeConfigProblems(def, { timeoutMs: 10 })).toEqual([
      { path: ['timeoutMs'], message: 'timeoutMs must be at least 1000 (one second)' },
    ]);
    expect(nodeConfigProblems(def, { timeoutMs: 91 * 24 * HOUR })[0]?.path).toEqual(['timeoutMs']);
    expect(nodeConfigProblems(def, { message: 'x'.repeat(2_001) })).toEqual([
      { path: ['message'], message: 'message is longer than 2000 characters' },
    ]);
    expect(nodeConfigProblems(def, { approver: 'me' })[0]?.message).toMatch(/approver/);
    expect(nodeConfigProblems(def, def.exampleConfig as Record<string, unknown>)).toEqual([]);
  });
});

describe('wait.approval in a dry-run', () => {
  it('waits for nobody: a simulated approval, and the log says a real run would wait', async () => {
    const result = await dryRun({ runCode: runCodeInSandbox, scenarioId: 's1', graph: graph(), trigger });
    expect(result.status).toBe('succeeded');
    const approve = result.nodes.find((n) => n.nodeId === 'approve')!;
    expect(approve.output).toEqual({
      decision: 'approved',
      by: 'dry-run',
      data: null,
      timedOut: false,
      simulated: true,
    });
    expect(approve.logs.map((l) => l.message)).toContain(
      'would wait for approval (simulated: approved at once by "dry-run")',
    );
    expect(result.nodes.find((n) => n.nodeId === 'after')?.output).toBe('approved');
  });
});
