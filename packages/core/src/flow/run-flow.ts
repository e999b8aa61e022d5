import { evaluateExpression } from '../expressions/resolve.js';
import type { DebounceMode, FlowControl, FlowStage } from './schema.js';
import { FLOW_STAGES, flowKeySource } from './schema.js';

/**
 * What a run of a flow-controlled version carries: each part's key (computed once, at creation,
 * from the trigger input) and the numbers the runners apply, so admitting a run needs no version.
 */
export interface RunFlow {
  concurrency?: { key: string; limit: number };
  throttle?: { key: string; count: number; periodMs: number };
  debounce?: { key: string; periodMs: number; maxWaitMs: number; mode: DebounceMode };
}

/** A key that could not be computed: the run is created failed with this (naming the field). */
export class FlowKeyError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`flowControl.${field}: ${message}`);
  }
}

/**
 * The key of a value an expression produced: strings as they are, other values as JSON; no value
 * (a missing field) is the empty key, which all such runs share.
 */
export function flowKeyOf(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

async function keyOf(part: FlowStage, key: string, trigger: unknown): Promise<string> {
  const source = flowKeySource(key);
  if (!source.ok) throw new FlowKeyError(`${part}.key`, source.message);
  try {
    const value = await evaluateExpression(source.source, { trigger, nodes: {} }, { field: `${part}.key` });
    return flowKeyOf(value);
  } catch (error) {
    throw new FlowKeyError(`${part}.key`, error instanceof Error ? error.message : String(error));
  }
}

/** The flow of a new run: its keys over the trigger input `trigger`. Throws `FlowKeyError`. */
export async function runFlowOf(flow: FlowControl, trigger: unknown): Promise<RunFlow> {
  const out: RunFlow = {};
  if (flow.debounce) {
    const { key, periodMs, maxWaitMs, mode } = flow.debounce;
    out.debounce = { key: await keyOf('debounce', key, trigger), periodMs, maxWaitMs, mode };
  }
  if (flow.throttle) {
    const { key, count, periodMs } = flow.throttle;
    out.throttle = { key: await keyOf('throttle', key, trigger), count, periodMs };
  }
  if (flow.concurrency) {
    const { key, limit } = flow.concurrency;
    out.concurrency = { key: await keyOf('concurrency', key, trigger), limit };
  }
  return out;
}

/** The first stage a run waits in after `after` (or its first one), or null: it may start. */
export function nextFlowStage(flow: RunFlow, after: FlowStage | null = null): FlowStage | null {
  const from = after === null ? 0 : FLOW_STAGES.indexOf(after) + 1;
  for (const stage of FLOW_STAGES.slice(from)) if (flow[stage]) return stage;
  return null;
}

/** The start of the fixed throttle window `now` falls in. */
export function throttleWindowStart(now: Date, periodMs: number): Date {
  return new Date(Math.floor(now.getTime() / periodMs) * periodMs);
}

/**
 * When a debounce batch is due: `periodMs` after its latest arrival, but no later than `maxWaitMs`
 * after its first.
 */
export function debounceDueAt(firstAt: Date, lastAt: Date, periodMs: number, maxWaitMs: number): Date {
  return new Date(Math.min(lastAt.getTime() + periodMs, firstAt.getTime() + maxWaitMs));
}
