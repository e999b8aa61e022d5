import type { EngineHost } from '../engine/types.js';
import { getNodeDefinition } from '../nodes/registry.js';
import type { ScenarioCalls } from '../nodes/calls.js';
import type { HttpRequest, HttpResponse, NodeContext } from '../nodes/types.js';
import type { LogLevel, LoopItem, Step } from '../schemas/entities.js';

export interface DryRunLog {
  readonly nodeId: string | null;
  /** Inside a for-each body: the item's index. */
  readonly index?: number;
  readonly level: LogLevel;
  readonly message: string;
  readonly data?: unknown;
}

export interface SimulatedHost extends EngineHost {
  readonly steps: Map<string, Step>;
  /** Loop items by `<loopId>#<index>`. */
  readonly loopItems: Map<string, LoopItem>;
  readonly logs: DryRunLog[];
  readonly requests: { nodeId: string; index?: number; request: HttpRequest }[];
  /** Moves the simulated clock: waits and backoffs cost no real time in a preview. */
  advanceTo(time: Date): void;
}

const DEFAULT_RESPONSE: HttpResponse = {
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ simulated: true }),
};

/** Secrets are never read in a preview: any key yields a visible placeholder. */
const placeholderSecrets: Readonly<Record<string, string>> = new Proxy(
  {},
  { get: (_, key) => (typeof key === 'string' ? `<secret:${key}>` : undefined) },
);

/**
 * A preview starts no run: a call answers with a stand-in child that has already succeeded (with
 * no output) when waited for, or is queued when not, and the log says what would be called.
 */
function simulatedCalls(nodeId: string, log: (message: string, data: unknown) => void): ScenarioCalls {
  return {
    async start({ scenarioId, input, wait }) {
      log(`would call scenario ${scenarioId}${wait ? ' and wait for its run' : ''} (simulated: no run is started)`, {
        scenarioId,
        input,
        wait,
      });
      return wait
        ? { runId: `dry-run-${nodeId}`, scenarioId, status: 'succeeded', output: {}, simulated: true }
        : { runId: `dry-run-${nodeId}`, scenarioId, status: 'queued', simulated: true };
    },
  };
}

/**
 * Effects for a dry-run: HTTP answered by the node type's `mock` (nothing is called), secrets
 * replaced by placeholders, signatures simulated, time simulated, steps kept in memory.
 */
export function createSimulatedHost(start: Date): SimulatedHost {
  let clock = start.getTime();
  const steps = new Map<string, Step>();
  const loopItems = new Map<string, LoopItem>();
  const logs: DryRunLog[] = [];
  const requests: SimulatedHost['requests'] = [];
  const now = () => new Date(clock);
  return {
    steps,
    loopItems,
    logs,
    requests,
    advanceTo(time) {
      clock = Math.max(clock, time.getTime());
    },
    now,
    async sleep(ms) {
      clock += ms;
    },
    isCancelled: () => false,
    log(level, message, data) {
      const index = typeof data.index === 'number' ? { index: data.index } : {};
      logs.push({ nodeId: data.nodeId ?? null, ...index, level, message });
    },
    async saveStep(step) {
      steps.set(step.nodeId, step);
    },
    async loadLoopItems(loopId) {
      return [...loopItems.values()].filter((item) => item.loopId === loopId);
    },
    async saveLoopItem(item) {
      loopItems.set(`${item.loopId}#${item.index}`, item);
    },
    createContext({ nodeId, nodeType, attempt, stepStartedAt, scope, signal, itemIndex }): NodeContext {
      const mock = getNodeDefinition(nodeType)?.mock;
      const index = itemIndex === undefined ? {} : { index: itemIndex };
      return {
        runId: 'dry-run',
        nodeId,
        ...(itemIndex === undefined ? {} : { itemIndex }),
        attempt,
        dryRun: true,
        stepStartedAt,
        scope,
        signal,
        now,
        async http(request, options) {
          // The token a real run would add, so the preview shows the request as it would go.
          if (options?.oauth2) {
            request = {
              ...request,
              headers: {
                ...request.headers,
                Authorization: 'Bearer <OAuth2 access token of the connection>',
              },
            };
          }
          requests.push({ nodeId, ...index, request });
          return mock ? mock(request) : DEFAULT_RESPONSE;
        },
        log(level, message, data) {
          logs.push({ nodeId, ...index, level, message, ...(data === undefined ? {} : { data }) });
        },
        async secrets() {
          return placeholderSecrets;
        },
        async signWebhook({ id, timestamp }) {
          return {
            'webhook-id': id,
            'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
            'webhook-signature': 'v1,<simulated>',
          };
        },
        calls: simulatedCalls(nodeId, (message, data) => logs.push({ nodeId, level: 'info', message, data })),
      };
    },
  };
}
