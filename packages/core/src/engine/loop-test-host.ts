import { runCodeInSandbox } from '../sandbox/run-code.js';
import type { HttpRequest, HttpResponse, NodeContext } from '../nodes/types.js';
import { memoryHttpPages } from './memory-pages.js';
import type { ScenarioEdge, ScenarioNode } from '../schemas/graph.js';
import type { LoopItem, Step } from '../schemas/entities.js';
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

export interface RecordedCall {
  readonly nodeId: string;
  readonly index: number | undefined;
  readonly request: HttpRequest;
}

export type LoopTestHost = EngineHost & {
  /** The latest stored state, as a database would hold it: what a resumed run starts from. */
  readonly steps: Map<string, Step>;
  readonly items: Map<string, LoopItem>;
  readonly saved: Step[];
  readonly calls: RecordedCall[];
  readonly logs: string[];
  advance(ms: number): void;
  run(graph: EngineRun['graph'], trigger?: unknown): EngineRun;
};

/**
 * An in-memory host that keeps the latest steps and loop items like the database does, so a test
 * can interrupt a run and resume it from what was stored. HTTP is answered by `respond`. Test-only.
 */
export function loopTestHost(
  respond: (call: RecordedCall, ctx: NodeContext) => HttpResponse | Promise<HttpResponse> = () => ({
    status: 200,
    headers: {},
    body: '{}',
  }),
): LoopTestHost {
  let clock = 0;
  const steps = new Map<string, Step>();
  const items = new Map<string, LoopItem>();
  const saved: Step[] = [];
  const calls: RecordedCall[] = [];
  const logs: string[] = [];
  const host: LoopTestHost = {
    steps,
    items,
    saved,
    calls,
    logs,
    advance: (ms) => {
      clock += ms;
    },
    run: (graph, trigger = {}) => ({
      runId: 'r1',
      scenarioId: 's1',
      startedAt: at(0),
      trigger,
      graph,
      steps: [...steps.values()],
    }),
    now: () => at(clock),
    random: () => 0.5,
    async sleep(ms) {
      clock += ms;
    },
    isCancelled: () => false,
    log: (level, message, data) => {
      logs.push(
        `${level} ${data.nodeId ?? '-'}${typeof data.index === 'number' ? `#${data.index}` : ''} ${message}`,
      );
    },
    async saveStep(step) {
      saved.push(structuredClone(step));
      steps.set(step.nodeId, structuredClone(step));
    },
    async loadLoopItems(loopId) {
      return [...items.values()]
        .filter((item) => item.loopId === loopId)
        .map((item) => structuredClone(item));
    },
    async saveLoopItem(item) {
      items.set(`${item.loopId}#${item.index}`, structuredClone(item));
    },
    ...memoryHttpPages(),
    createContext({ nodeId, attempt, stepStartedAt, scope, signal, itemIndex }): NodeContext {
      const ctx: NodeContext = {
        runId: 'r1',
        nodeId,
        ...(itemIndex === undefined ? {} : { itemIndex }),
        attempt,
        dryRun: false,
        stepStartedAt,
        scope,
        signal,
        now: () => at(clock),
        http: async (request) => {
          const call = { nodeId, index: itemIndex, request };
          calls.push(call);
          return respond(call, ctx);
        },
        log: (level, message) => logs.push(`${level} ${nodeId} ${message}`),
        secrets: async () => ({ signingSecret: 'whsec_test' }),
        signWebhook: async ({ id }) => ({ 'webhook-id': id }),
        runCode: runCodeInSandbox,
        calls: {
          start: async () => {
            throw new Error('no scenario call expected');
          },
        },
        waits: unexpectedWaits,
      };
      return ctx;
    },
  };
  return host;
}
