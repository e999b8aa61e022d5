import { memoryHttpPages } from '../engine/memory-pages.js';
import type { CodeRunner } from '../code/types.js';
import type { EngineHost } from '../engine/types.js';
import { getNodeDefinition } from '../nodes/registry.js';
import type { ScenarioCalls } from '../nodes/calls.js';
import type { HttpRequest, HttpResponse, NodeContext } from '../nodes/types.js';
import type { RunWaits } from '../nodes/waits.js';
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
 * A preview waits for nobody: an approval is simulated as approved at once (by "dry-run"), an event
 * as arrived at once (a stand-in delivery with the awaited key and no body), and the log says that
 * a real run would suspend there until someone decides, the event comes, or the wait times out.
 */
function simulatedWaits(nodeId: string, now: () => Date, log: (message: string, data: unknown) => void): RunWaits {
  const resolvedAt = () => now().toISOString();
  return {
    async open(request) {
      const waitId = `dry-run-${nodeId}`;
      const { expiresAt } = request;
      if (request.kind === 'approval') {
        log('would wait for approval (simulated: approved at once by "dry-run")', {
          expiresAt: expiresAt.toISOString(),
          ...(request.message === undefined ? {} : { message: request.message }),
        });
        return {
          waitId,
          expiresAt,
          simulated: true,
          resolution: { decision: 'approved', by: 'dry-run', data: null, timedOut: false, resolvedAt: resolvedAt() },
        };
      }
      log(
        `would wait for a delivery of app ${request.appId} with the key "${request.correlationKey}" (simulated: it arrives at once)`,
        { expiresAt: expiresAt.toISOString(), correlationKey: request.correlationKey, deliveryKey: request.deliveryKey },
      );
      const event = { deliveryId: `dry-run-${nodeId}`, receivedAt: resolvedAt(), headers: {}, body: null, correlationKey: request.correlationKey };
      return {
        waitId,
        expiresAt,
        simulated: true,
        resolution: { decision: null, by: 'dry-run', data: event, timedOut: false, resolvedAt: resolvedAt() },
      };
    },
    async timeOut() {
      return { decision: null, by: null, data: null, timedOut: true, resolvedAt: resolvedAt() };
    },
    async candidates() {
      return [];
    },
    async accept(_waitId, candidate) {
      return { decision: null, by: 'dry-run', data: candidate.event, timedOut: false, resolvedAt: resolvedAt() };
    },
    async dismiss() {},
  };
}

/**
 * Effects for a dry-run: HTTP answered by the node type's `mock` (nothing is called), secrets
 * replaced by placeholders, signatures simulated, time simulated, steps kept in memory. Code
 * nodes run in `runCode`, the sandbox a real run uses (`@weft/core/sandbox`'s `runCodeInSandbox`).
 */
export function createSimulatedHost(start: Date, runCode: CodeRunner): SimulatedHost {
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
    ...memoryHttpPages(),
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
        // Code has no effects to simulate: it runs in the same sandbox as in a run.
        runCode,
        calls: simulatedCalls(nodeId, (message, data) => logs.push({ nodeId, level: 'info', message, data })),
        waits: simulatedWaits(nodeId, now, (message, data) => logs.push({ nodeId, ...index, level: 'info', message, data })),
      };
    },
  };
}
