/** Test-only: an in-memory engine host and shorthand for nodes, edges and runs. */
import { runCodeInSandbox } from '../sandbox/run-code.js';
import type { HttpCallOptions, HttpRequest, HttpResponse, NodeContext } from '../nodes/types.js';
import type { Step } from '../schemas/entities.js';
import type { ScenarioEdge, ScenarioNode } from '../schemas/graph.js';
import { memoryHttpPages } from './memory-pages.js';
import type { EngineHost, EngineRun } from './types.js';
import { unexpectedWaits } from '../nodes/test-context.js';

export const at = (ms: number) => new Date(Date.UTC(2030, 0, 1) + ms);

export function node(
  id: string,
  type: string,
  config: Record<string, unknown>,
  extra: Partial<ScenarioNode> = {},
): ScenarioNode {
  return { id, type, version: type === 'http.request' ? 2 : 1, config, position: { x: 0, y: 0 }, ...extra };
}
export function edge(
  source: string,
  target: string,
  sourceHandle = 'out',
  targetHandle = 'in',
): ScenarioEdge {
  return { id: `${source}-${sourceHandle}-${target}`, source, sourceHandle, target, targetHandle };
}

/** An in-memory host: records saved steps, logs and sleeps; HTTP answered by `respond`. */
export function fakeHost(
  respond: (
    request: HttpRequest,
    nodeId: string,
    options?: HttpCallOptions,
  ) => HttpResponse | Promise<HttpResponse> = () => ({
    status: 200,
    headers: {},
    body: '',
  }),
) {
  let clock = 0;
  const saved: Step[] = [];
  const sleeps: number[] = [];
  const logs: string[] = [];
  const calls: string[] = [];
  let cancelled = false;
  const pageStore = memoryHttpPages();
  const host: EngineHost & {
    saved: Step[];
    sleeps: number[];
    logs: string[];
    calls: string[];
    advance(ms: number): void;
    cancel(): void;
    last(nodeId: string): Step | undefined;
    pages: ReturnType<typeof memoryHttpPages>['pages'];
  } = {
    saved,
    sleeps,
    logs,
    calls,
    advance: (ms) => {
      clock += ms;
    },
    cancel: () => {
      cancelled = true;
    },
    last: (nodeId) => saved.filter((s) => s.nodeId === nodeId).at(-1),
    now: () => at(clock),
    random: () => 0.5,
    async sleep(ms) {
      sleeps.push(ms);
      clock += ms;
    },
    isCancelled: () => cancelled,
    log: (level, message, data) => {
      logs.push(`${level} ${data.nodeId ?? '-'} ${message}`);
    },
    async saveStep(step) {
      saved.push(structuredClone(step));
    },
    loadLoopItems: async () => [],
    saveLoopItem: async () => undefined,
    ...pageStore,
    createContext({ nodeId, attempt, stepStartedAt, scope, signal }): NodeContext {
      return {
        runId: 'r1',
        nodeId,
        attempt,
        dryRun: false,
        stepStartedAt,
        scope,
        signal,
        now: () => at(clock),
        http: async (request, options) => {
          calls.push(nodeId);
          return respond(request, nodeId, options);
        },
        log: (level, message) => logs.push(`${level} ${nodeId} ${message}`),
        secrets: async () => ({}),
        signWebhook: async () => ({}),
        runCode: runCodeInSandbox,
        calls: {
          start: async () => {
            throw new Error('no scenario call expected');
          },
        },
        waits: unexpectedWaits,
      };
    },
  };
  return host;
}

export function runOf(
  nodes: ScenarioNode[],
  edges: ScenarioEdge[],
  steps: Step[] = [],
  trigger: unknown = { body: { total: 150 } },
): EngineRun {
  return { runId: 'r1', scenarioId: 's1', startedAt: at(0), trigger, graph: { nodes, edges }, steps };
}

export const json = (status: number, body: unknown): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
