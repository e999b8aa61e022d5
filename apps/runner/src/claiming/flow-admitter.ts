import {
  type AdmittedRun,
  admitConcurrency,
  admitDebounce,
  admitThrottle,
  type Database,
  type FlowGroup,
  findWaitingFlowGroups,
  flowGroupId,
  flowGroupOf,
  type RunDoc,
} from '@weft/db';
import type { Logger } from 'pino';
import { flowAdmittedTotal } from '../observability/metrics.js';

export interface FlowAdmitterDeps {
  readonly db: Database;
  readonly logger: Logger;
}

export interface FlowAdmitterOptions {
  /** A run that waits for nothing any more: claim it (the run feed takes it as a candidate). */
  readonly offer: (run: AdmittedRun) => void;
  /** How often the waiting runs are looked up, for groups this runner heard nothing of (default 1 s). */
  readonly scanEveryMs?: number;
  /** Groups admitted at once (default 4). */
  readonly parallel?: number;
}

export interface FlowAdmitter {
  /** Runs of this group wait (a new run, or one that moved to this stage). */
  notice(group: FlowGroup): void;
  /** A run settled: if it held a concurrency place, the next run of its key may start. */
  settled(run: Pick<RunDoc, 'scenarioId' | 'flow'>): void;
  stop(): Promise<void>;
}

/**
 * Each runner's side of flow control (the rules and their compare-and-set writes are in
 * @weft/db flow-control.ts, shared by all runners): it admits the groups it hears of — inserts of
 * waiting runs (the run feed), runs that settle, the next window of a throttle, the due time of a
 * debounce batch — and, as a backstop, every group with waiting runs every `scanEveryMs`. A run
 * that moves to its next stage is admitted there at once; one that waits for nothing is offered to
 * this runner's feed.
 */
export function startFlowAdmitter(deps: FlowAdmitterDeps, options: FlowAdmitterOptions): FlowAdmitter {
  const { models } = deps.db;
  const log = deps.logger.child({ component: 'flow-admitter' });
  const parallel = options.parallel ?? 4;
  const dirty = new Map<string, FlowGroup>();
  const busy = new Set<string>();
  const timers = new Map<string, { at: number; timer: ReturnType<typeof setTimeout> }>();
  let stopped = false;
  let active = 0;

  const notice = (group: FlowGroup): void => {
    if (stopped) return;
    dirty.set(flowGroupId(group), group);
    pump();
  };

  /** Admit `group` again at `at` (the next throttle window, a debounce batch's due time). */
  const later = (group: FlowGroup, at: Date): void => {
    const id = flowGroupId(group);
    const existing = timers.get(id);
    if (existing && existing.at <= at.getTime()) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(
      () => {
        timers.delete(id);
        notice(group);
      },
      Math.max(0, at.getTime() - Date.now()) + 5,
    );
    timer.unref();
    timers.set(id, { at: at.getTime(), timer });
  };

  const forward = (stage: FlowGroup['stage'], admitted: readonly AdmittedRun[]): void => {
    if (admitted.length > 0) flowAdmittedTotal.inc({ stage }, admitted.length);
    for (const run of admitted) {
      if (run.waitingFor === null) options.offer(run);
      else {
        const next = flowGroupOf(run, run.waitingFor);
        if (next) notice(next);
      }
    }
  };

  const admit = async (group: FlowGroup): Promise<void> => {
    const now = new Date();
    switch (group.stage) {
      case 'debounce': {
        const result = await admitDebounce(models, group.scenarioId, group.key, now);
        if (result.dueAt) later(group, result.dueAt);
        forward(group.stage, result.admitted);
        return;
      }
      case 'throttle': {
        const result = await admitThrottle(models, group.scenarioId, group.key, now);
        if (result.retryAt) later(group, result.retryAt);
        forward(group.stage, result.admitted);
        return;
      }
      case 'concurrency':
        forward(group.stage, await admitConcurrency(models, group.scenarioId, group.key, now));
        return;
    }
  };

  function pump(): void {
    while (!stopped && active < parallel) {
      const entry = [...dirty].find(([id]) => !busy.has(id));
      if (!entry) return;
      const [id, group] = entry;
      dirty.delete(id);
      busy.add(id);
      active++;
      void admit(group)
        .catch((error: unknown) => {
          log.warn({ err: error, stage: group.stage }, 'could not admit waiting runs; will retry');
          later(group, new Date(Date.now() + 500));
        })
        .finally(() => {
          busy.delete(id);
          active--;
          pump();
        });
    }
  }

  const scan = setInterval(() => {
    if (stopped) return;
    findWaitingFlowGroups(models).then(
      (groups) => groups.forEach(notice),
      (error: unknown) => log.warn({ err: error }, 'could not read waiting runs'),
    );
  }, options.scanEveryMs ?? 1_000);
  scan.unref();

  return {
    notice,
    settled(run) {
      const group = flowGroupOf(run, 'concurrency');
      if (group) notice(group);
    },
    async stop() {
      stopped = true;
      clearInterval(scan);
      for (const { timer } of timers.values()) clearTimeout(timer);
      timers.clear();
      dirty.clear();
      while (active > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    },
  };
}
