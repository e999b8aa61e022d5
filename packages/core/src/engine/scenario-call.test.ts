import { runCodeInSandbox } from '../sandbox/run-code.js';
import { describe, expect, it } from 'vitest';
import { memoryHttpPages } from './memory-pages.js';
import { dryRun } from '../dry-run/dry-run.js';
import { WeftError } from '../errors/weft-error.js';
import type { ChildRunRequest, ChildRunState } from '../nodes/calls.js';
import type { NodeContext } from '../nodes/types.js';
import type { Step } from '../schemas/entities.js';
import type { ScenarioEdge, ScenarioNode } from '../schemas/graph.js';
import { executeRun } from './execute-run.js';
import type { EngineHost, EngineRun } from './types.js';
import { unexpectedWaits } from '../nodes/test-context.js';

const at = (ms: number) => new Date(Date.UTC(2030, 0, 1) + ms);
const TARGET = 'bbbbbbbbbbbbbbbbbbbbbbbb';
const CHILD = 'cccccccccccccccccccccccc';

function node(id: string, type: string, config: Record<string, unknown>): ScenarioNode {
  return { id, type, version: 1, config, position: { x: 0, y: 0 } };
}
function edge(source: string, target: string): ScenarioEdge {
  return { id: `${source}-${target}`, source, sourceHandle: 'out', target, targetHandle: 'in' };
}

/**
 * An in-memory host whose scenario calls keep one child per calling node, as the runner's do:
 * `requests` counts the starts, `children` is what the test sets the children to.
 */
function callHost(start: (request: ChildRunRequest) => ChildRunState | Promise<ChildRunState>) {
  let clock = 0;
  const saved: Step[] = [];
  const requests: { nodeId: string; request: ChildRunRequest }[] = [];
  const host: EngineHost & {
    saved: Step[];
    requests: typeof requests;
    advance(ms: number): void;
    last(id: string): Step | undefined;
  } = {
    ...memoryHttpPages(),
    saved,
    requests,
    advance: (ms) => {
      clock += ms;
    },
    last: (id) => saved.filter((s) => s.nodeId === id).at(-1),
    now: () => at(clock),
    async sleep(ms) {
      clock += ms;
    },
    isCancelled: () => false,
    log: () => undefined,
    async saveStep(step) {
      saved.push(structuredClone(step));
    },
    loadLoopItems: async () => [],
    saveLoopItem: async () => undefined,
    createContext({ nodeId, attempt, stepStartedAt, scope, signal }): NodeContext {
      return {
        runId: 'aaaaaaaaaaaaaaaaaaaaaaaa',
        nodeId,
        attempt,
        dryRun: false,
        stepStartedAt,
        scope,
        signal,
        now: () => at(clock),
        http: async () => {
          throw new Error('no HTTP expected');
        },
        log: () => undefined,
        secrets: async () => ({}),
        signWebhook: async () => ({}),
        runCode: runCodeInSandbox,
        calls: {
          async start(request) {
            requests.push({ nodeId, request });
            return start(request);
          },
        },
        waits: unexpectedWaits,
      };
    },
  };
  return host;
}

const graph = (wait = true) => ({
  nodes: [
    node('start', 'trigger.manual', {}),
    node('call', 'scenario.call', { scenarioId: TARGET, input: { id: '{{ trigger.customerId }}' }, wait }),
    node('after', 'transform', { expression: 'nodes.call' }),
  ],
  edges: [edge('start', 'call'), edge('call', 'after')],
});

function runOf(steps: Step[] = [], wait = true): EngineRun {
  return {
    runId: 'aaaaaaaaaaaaaaaaaaaaaaaa',
    scenarioId: 'dddddddddddddddddddddddd',
    startedAt: at(0),
    trigger: { customerId: 'c-42' },
    graph: graph(wait),
    steps,
  };
}

const persisted = (host: ReturnType<typeof callHost>) =>
  ['start', 'call', 'after'].map((id) => host.last(id)).filter((s): s is Step => s !== undefined);

describe('scenario.call in the engine', () => {
  it('suspends the run while the child runs, then resumes early with the child outcome as output', async () => {
    let child: ChildRunState = { runId: CHILD, scenarioId: TARGET, status: 'running' };
    const host = callHost(() => child);
    const first = await executeRun(runOf(), host);

    expect(first.status).toBe('suspended');
    expect(host.requests).toEqual([
      { nodeId: 'call', request: { scenarioId: TARGET, input: { id: 'c-42' }, wait: true } },
    ]);
    const waiting = host.last('call')!;
    expect(waiting).toMatchObject({ status: 'waiting', attempts: 0, waitingFor: { runId: CHILD } });
    // Far ahead: the child's end resumes the run, this time is only the node's own look again.
    expect(waiting.resumeAt!.getTime()).toBeGreaterThanOrEqual(at(3_600_000).getTime());
    expect(host.last('after')?.status ?? 'pending').toBe('pending');

    // The child ends; the run is resumed long before the step's resumeAt and the step runs at once.
    child = { runId: CHILD, scenarioId: TARGET, status: 'succeeded', output: { respond: { synced: true } } };
    host.advance(1_000);
    const second = await executeRun(runOf(persisted(host)), host);

    expect(second).toEqual({ status: 'succeeded' });
    const expected = {
      runId: CHILD,
      scenarioId: TARGET,
      status: 'succeeded',
      output: { respond: { synced: true } },
    };
    expect(host.last('call')).toMatchObject({ status: 'succeeded', attempts: 1, output: expected });
    expect(host.last('call')).not.toHaveProperty('waitingFor');
    expect(host.last('after')).toMatchObject({ status: 'succeeded', output: expected });
    // Both executions asked for the same call; the host hands back the one child of this step.
    expect(host.requests).toHaveLength(2);
  });

  it('a resume before the child ended waits again, without counting an attempt', async () => {
    const host = callHost(() => ({ runId: CHILD, scenarioId: TARGET, status: 'queued' }));
    await executeRun(runOf(), host);
    host.advance(5_000);
    const again = await executeRun(runOf(persisted(host)), host);
    expect(again.status).toBe('suspended');
    expect(host.last('call')).toMatchObject({ status: 'waiting', attempts: 0, waitingFor: { runId: CHILD } });
  });

  it("turns a failed or dead child into the call node's error, with the child's code and run id", async () => {
    for (const status of ['failed', 'dead'] as const) {
      const host = callHost(() => ({
        runId: CHILD,
        scenarioId: TARGET,
        status,
        error: { code: 'http_4xx', message: 'node "fetch": HTTP 404', retryable: false },
      }));
      const outcome = await executeRun(runOf(), host);
      expect(outcome).toMatchObject({ status: 'failed', nodeId: 'call', error: { code: 'http_4xx' } });
      const step = host.last('call')!;
      expect(step.status).toBe('failed');
      expect(step.error?.message).toContain(
        `the called run ${CHILD} ${status === 'dead' ? 'died' : 'failed'}: node "fetch": HTTP 404`,
      );
      expect(step.error?.details).toMatchObject({
        childRunId: CHILD,
        childScenarioId: TARGET,
        childStatus: status,
      });
    }
  });

  it("a failed child fires the call node's error output when an edge leaves it; the run goes on", async () => {
    const host = callHost(() => ({
      runId: CHILD,
      scenarioId: TARGET,
      status: 'failed',
      error: { code: 'http_4xx', message: 'node "fetch": HTTP 404', retryable: false },
    }));
    const run = runOf();
    const handled: EngineRun = {
      ...run,
      graph: {
        nodes: [...run.graph.nodes, node('notify', 'transform', { expression: 'input.code' })],
        edges: [
          ...run.graph.edges,
          { id: 'call-notify', source: 'call', sourceHandle: 'error', target: 'notify', targetHandle: 'in' },
        ],
      },
    };
    const outcome = await executeRun(handled, host);
    expect(outcome).toEqual({ status: 'succeeded' });
    expect(host.last('call')).toMatchObject({
      status: 'failed',
      handled: true,
      firedHandles: ['error'],
      output: { code: 'http_4xx', attempts: 1, retryable: false },
    });
    expect(host.last('after')?.status).toBe('skipped');
    expect(host.last('notify')).toMatchObject({ status: 'succeeded', output: 'http_4xx' });
  });

  it('a cancelled child is an error too', async () => {
    const host = callHost(() => ({ runId: CHILD, scenarioId: TARGET, status: 'cancelled', error: null }));
    const outcome = await executeRun(runOf(), host);
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'child_cancelled' } });
    expect(host.last('call')?.error?.details).toMatchObject({ childRunId: CHILD, childStatus: 'cancelled' });
  });

  it('wait: false starts the child and succeeds at once with its run id', async () => {
    const host = callHost(() => ({ runId: CHILD, scenarioId: TARGET, status: 'queued' }));
    const outcome = await executeRun(runOf([], false), host);
    expect(outcome).toEqual({ status: 'succeeded' });
    expect(host.requests[0]?.request.wait).toBe(false);
    expect(host.last('call')).toMatchObject({
      status: 'succeeded',
      output: { runId: CHILD, scenarioId: TARGET },
    });
    expect(host.last('call')?.output).not.toHaveProperty('status');
  });

  it('a refused call (chain too deep) fails the step with the refusal and its facts', async () => {
    const host = callHost(() => {
      throw new WeftError('call_depth_exceeded', 'a call from depth 10 would exceed the limit of 10', {
        details: { depth: 10, maxDepth: 10 },
      });
    });
    const outcome = await executeRun(runOf(), host);
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'call_depth_exceeded' } });
    expect(host.last('call')).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'call_depth_exceeded', details: { depth: 10, maxDepth: 10 } },
    });
  });

  it('database trouble while starting the child is retried', async () => {
    let tries = 0;
    const host = callHost(() => {
      tries += 1;
      if (tries === 1) throw new WeftError('network', 'the database is not reachable', { retryable: true });
      return { runId: CHILD, scenarioId: TARGET, status: 'succeeded', output: {} };
    });
    const outcome = await executeRun(runOf(), host);
    expect(outcome).toEqual({ status: 'succeeded' });
    expect(host.last('call')).toMatchObject({ status: 'succeeded', attempts: 2 });
  });
});

describe('scenario.call in a dry-run', () => {
  it('starts no run: reports what it would call with which input, and a simulated outcome', async () => {
    const result = await dryRun({
      runCode: runCodeInSandbox,
      scenarioId: 'dddddddddddddddddddddddd',
      graph: graph(true),
      trigger: { customerId: 'c-7' },
    });
    expect(result.status).toBe('succeeded');
    const call = result.nodes.find((n) => n.nodeId === 'call')!;
    expect(call.status).toBe('succeeded');
    expect(call.output).toEqual({
      runId: 'dry-run-call',
      scenarioId: TARGET,
      simulated: true,
      input: { id: 'c-7' },
      status: 'succeeded',
      output: {},
    });
    expect(call.logs.map((l) => l.message)).toContain(
      `would call scenario ${TARGET} and wait for its run (simulated: no run is started)`,
    );
  });

  it('wait: false previews the start only', async () => {
    const result = await dryRun({
      runCode: runCodeInSandbox,
      scenarioId: 'dddddddddddddddddddddddd',
      graph: graph(false),
      trigger: { customerId: 'c-7' },
    });
    expect(result.nodes.find((n) => n.nodeId === 'call')?.output).toEqual({
      runId: 'dry-run-call',
      scenarioId: TARGET,
      simulated: true,
      input: { id: 'c-7' },
    });
  });
});
