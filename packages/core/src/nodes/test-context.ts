import { runCodeInSandbox } from '../sandbox/run-code.js';
import type { LogLevel } from '../schemas/entities.js';
import type { ScenarioCalls } from './calls.js';
import type { HttpRequest, HttpResponse, NodeContext } from './types.js';
import type { RunWaits } from './waits.js';

export interface RecordedContext extends NodeContext {
  readonly requests: HttpRequest[];
  readonly logs: { level: LogLevel; message: string; data?: unknown }[];
}

const noWait = async (): Promise<never> => {
  throw new Error('no wait expected');
};

/** Waits for a test that expects none: any use fails it. Test-only. */
export const unexpectedWaits: RunWaits = {
  open: noWait,
  timeOut: noWait,
  candidates: noWait,
  accept: noWait,
  dismiss: noWait,
};

/** A NodeContext for tests: records HTTP requests and logs, answers with `respond`. Test-only. */
export function recordingContext(options: {
  respond?: (request: HttpRequest) => HttpResponse | Promise<HttpResponse>;
  secrets?: Record<string, Record<string, string>>;
  now?: Date;
  stepStartedAt?: Date;
  trigger?: unknown;
  nodes?: Record<string, unknown>;
  calls?: ScenarioCalls;
  waits?: RunWaits;
}): RecordedContext {
  const requests: HttpRequest[] = [];
  const logs: RecordedContext['logs'] = [];
  const now = options.now ?? new Date('2030-01-01T00:00:00Z');
  return {
    runId: 'run1',
    nodeId: 'node1',
    attempt: 1,
    dryRun: false,
    stepStartedAt: options.stepStartedAt ?? now,
    scope: {
      trigger: options.trigger ?? null,
      nodes: options.nodes ?? {},
      run: { id: 'run1', scenarioId: 'sc1', startedAt: now.toISOString() },
    },
    signal: new AbortController().signal,
    requests,
    logs,
    now: () => now,
    async http(request) {
      requests.push(request);
      if (!options.respond) throw new Error('no HTTP expected');
      return options.respond(request);
    },
    log(level, message, data) {
      logs.push({ level, message, data });
    },
    async secrets(connectionId) {
      const found = options.secrets?.[connectionId];
      if (!found) throw new Error(`no connection ${connectionId}`);
      return found;
    },
    async signWebhook({ id, timestamp }) {
      return {
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': 'v1,test',
      };
    },
    runCode: runCodeInSandbox,
    calls: options.calls ?? {
      async start() {
        throw new Error('no scenario call expected');
      },
    },
    waits: options.waits ?? unexpectedWaits,
  };
}
