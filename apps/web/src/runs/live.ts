/**
 * Live run updates (`runs.onChange` events) merged into what the pages show. The events are
 * compact (status and per-step status/attempts, no outputs), so a page patches its rows at once
 * and refetches details when a run settles.
 */
import type { RunStatus, StepStatus } from '@weft/core';
import { FINAL_STATUS_LIST } from './statuses';

export interface RunEvent {
  readonly runId: string;
  readonly scenarioId: string;
  readonly status: RunStatus;
  readonly steps: readonly { readonly nodeId: string; readonly status: StepStatus; readonly attempts: number }[];
  readonly updatedAt: Date;
}

const FINAL: ReadonlySet<string> = new Set(FINAL_STATUS_LIST);

export function isFinal(status: string): boolean {
  return FINAL.has(status);
}

/** The rows with the event's status applied; `known` says whether the run was among them. */
export function applyRunEvent<T extends { id: string; status: RunStatus }>(
  items: readonly T[],
  event: RunEvent,
): { items: T[]; known: boolean; changed: boolean } {
  let known = false;
  let changed = false;
  const next = items.map((item) => {
    if (item.id !== event.runId) return item;
    known = true;
    if (item.status === event.status) return item;
    changed = true;
    return { ...item, status: event.status };
  });
  return { items: changed ? next : [...items], known, changed };
}

export interface StepState {
  readonly status: StepStatus;
  readonly attempts: number;
}

/**
 * Per node: the run's stored steps, overridden by the latest live event (which can be newer
 * than the last fetch). Nodes without a step are pending.
 */
export function stepStates(
  steps: readonly { nodeId: string; status: StepStatus; attempts: number }[],
  event: Pick<RunEvent, 'steps' | 'updatedAt'> | null,
  fetchedAt: Date | null,
): Map<string, StepState> {
  const map = new Map<string, StepState>();
  for (const step of steps) map.set(step.nodeId, { status: step.status, attempts: step.attempts });
  if (event && (!fetchedAt || event.updatedAt.getTime() >= fetchedAt.getTime())) {
    for (const step of event.steps) map.set(step.nodeId, { status: step.status, attempts: step.attempts });
  }
  return map;
}

export type Tone = 'ok' | 'bad' | 'active' | 'waiting' | 'muted';

/** The colour family of a run or step status. */
export function toneOf(status: string): Tone {
  switch (status) {
    case 'succeeded':
    case 'ok':
    case 'active':
    case 'verified':
      return 'ok';
    case 'failed':
    case 'dead':
    case 'failing':
      return 'bad';
    case 'running':
      return 'active';
    case 'queued':
    case 'waiting':
    case 'pending':
      return 'waiting';
    default:
      return 'muted';
  }
}

/** What a replay can start from, given the run's status. */
export function replayOptions(status: string): { start: boolean; failure: boolean } {
  if (!isFinal(status)) return { start: false, failure: false };
  return { start: true, failure: status !== 'succeeded' };
}

export function canCancel(status: string): boolean {
  return !isFinal(status);
}
