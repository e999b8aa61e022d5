import { type CronSchedule, latestCronTime, nextCronTime, parseCron, type ScenarioTrigger } from '@weft/core';
import {
  claimScheduleTick,
  createRuns,
  type Database,
  findScheduledScenarios,
  findUndispatchedTicks,
  markScheduleTickDispatched,
  newRunOfVersion,
  recordScheduledTick,
  type ScheduledScenarioDoc,
  type ScheduleTickDoc,
  scheduleRun,
  VersionCache,
} from '@weft/db';
import type { Agenda } from 'agenda';
import type { Logger } from 'pino';

export interface SchedulerDeps {
  readonly db: Database;
  /** Enqueues the runs of fired ticks. */
  readonly queue: Agenda;
  readonly logger: Logger;
  readonly versions?: VersionCache;
  /** The scheduler's clock (tests move it); timers still wait in real milliseconds. */
  readonly clock?: () => Date;
}

export interface SchedulerOptions {
  /** How often the schedule scenarios are read again (publish, enable, disable, archive apply within this). */
  readonly refreshEveryMs: number;
  /** A claimed tick whose run was not confirmed after this long is repaired (its claimer died). */
  readonly repairAfterMs?: number;
}

export interface SchedulerSweep {
  /** Ticks this scheduler fired (claimed, run created and enqueued). */
  readonly fired: { scenarioId: string; tickAt: Date; runId: string; scenarioVersionId: string }[];
  /** Due ticks another runner had fired already. */
  readonly alreadyFired: number;
  /** Runs of interrupted ticks created and enqueued. */
  readonly repaired: number;
  /** The earliest next tick of all schedules, or null. */
  readonly nextAt: Date | null;
}

/** The trigger input of a scheduled run: when it fired, and which tick it is for. */
export interface ScheduleTriggerInput {
  readonly firedAt: string;
  readonly scheduledFor: string;
}

type ScheduleTrigger = Extract<ScenarioTrigger, { kind: 'schedule' }>;

interface Entry {
  /** What `next` was computed from (cron, zone, history): recomputed when any of it changes. */
  readonly key: string;
  readonly schedule: CronSchedule;
  readonly timezone: string;
  /** Ticks at or before this are not fired: the last fired tick, or when the schedule began. */
  readonly since: Date;
  readonly next: Date | null;
}

function latest(...dates: (Date | null | undefined)[]): Date | null {
  let best: Date | null = null;
  for (const date of dates) if (date && (!best || date > best)) best = date;
  return best;
}

/**
 * Fires `trigger.schedule` scenarios. Every runner runs one; they need no leader:
 *
 * - each sweep reads the enabled, published, live schedule scenarios (every `refreshEveryMs`, and
 *   at the earliest next tick, so ticks fire on time);
 * - a scenario's tick is due when it is after its `scheduleSince` (enabled or schedule changed)
 *   and after its `lastScheduledAt`, and at or before now; of several due ticks (runners were
 *   down) only the **latest** fires, once;
 * - firing claims the tick with an insert into `scheduleTicks`, unique on (scenarioId, tickAt):
 *   of all runners exactly one wins and creates the run (`trigger.kind: 'schedule'`, input
 *   `{ firedAt, scheduledFor }`, pinned to the published version read in that sweep) with the run
 *   id stored on the tick, enqueues it, marks the tick dispatched and records `lastScheduledAt`;
 * - a tick claimed by a runner that died before its run was enqueued is repaired by any runner
 *   after `repairAfterMs`, with the same run id (creating a run twice is a no-op).
 */
export class Scheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly warned = new Set<string>();
  private readonly versions: VersionCache;
  private readonly clock: () => Date;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = true;

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly options: SchedulerOptions,
  ) {
    this.versions = deps.versions ?? new VersionCache();
    this.clock = deps.clock ?? (() => new Date());
  }

  /** Sweeps now, then again at the next tick or after `refreshEveryMs`, whichever is sooner. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  private loop(): void {
    if (this.stopped) return;
    const sweep = this.sweep().catch((error: unknown) => {
      this.deps.logger.error({ err: error }, 'schedule sweep failed; trying again');
      return undefined;
    });
    this.running = sweep;
    void sweep.then((report) => {
      if (this.stopped) return;
      const now = this.clock().getTime();
      const untilNext = report?.nextAt ? report.nextAt.getTime() - now : Number.POSITIVE_INFINITY;
      const delay = Math.max(5, Math.min(this.options.refreshEveryMs, untilNext));
      this.timer = setTimeout(() => this.loop(), delay);
      this.timer.unref?.();
    });
  }

  /** One pass: fire what is due, repair interrupted ticks, say when the next tick is. */
  async sweep(now: Date = this.clock()): Promise<SchedulerSweep> {
    const { models } = this.deps.db;
    const scenarios = await findScheduledScenarios(models);
    const seen = new Set<string>();
    const fired: SchedulerSweep['fired'] = [];
    let alreadyFired = 0;
    let nextAt: Date | null = null;

    for (const scenario of scenarios) {
      const id = scenario._id.toHexString();
      seen.add(id);
      let entry = this.entryOf(scenario, now);
      if (!entry) continue;
      if (entry.next && entry.next <= now) {
        // The latest tick after `since` and not after now: missed ones before it are not fired.
        const due = latestCronTime(entry.schedule, entry.timezone, now, entry.since) ?? entry.next;
        try {
          const outcome = await this.fire(scenario, due, now);
          if (outcome) fired.push(outcome);
          else alreadyFired++;
        } catch (error) {
          // The claim (if it was made) stays: the tick is not fired twice, and `repair` finishes it.
          this.deps.logger.error(
            { err: error, scenarioId: id, tickAt: due.toISOString() },
            'schedule tick failed',
          );
        }
        const trigger = scenario.publishedTrigger as ScheduleTrigger;
        entry = {
          ...entry,
          key: `${trigger.cron}|${trigger.timezone}|${due.getTime()}`,
          since: due,
          next: nextCronTime(entry.schedule, entry.timezone, due),
        };
        this.entries.set(id, entry);
      }
      if (entry.next && (!nextAt || entry.next < nextAt)) nextAt = entry.next;
    }
    for (const id of this.entries.keys()) if (!seen.has(id)) this.entries.delete(id);

    const repaired = await this.repair(now);
    return { fired, alreadyFired, repaired, nextAt };
  }

  /** The cached next tick of a scenario, recomputed when its cron, zone or history changed. */
  private entryOf(scenario: ScheduledScenarioDoc, now: Date): Entry | null {
    const id = scenario._id.toHexString();
    const trigger = scenario.publishedTrigger as ScheduleTrigger;
    const recorded = latest(scenario.lastScheduledAt, scenario.scheduleSince);
    const key = `${trigger.cron}|${trigger.timezone}|${recorded?.getTime() ?? 'none'}`;
    const cached = this.entries.get(id);
    if (cached && cached.key === key) return cached;
    try {
      const schedule =
        cached && cached.schedule.expression === trigger.cron ? cached.schedule : parseCron(trigger.cron);
      // Without any history (documents from before schedules) the schedule starts when first seen.
      const since = recorded ?? now;
      // A zone the platform does not know throws here.
      const next = nextCronTime(schedule, trigger.timezone, since);
      const entry: Entry = { key, schedule, timezone: trigger.timezone, since, next };
      this.entries.set(id, entry);
      return entry;
    } catch (error) {
      const warning = `${id}|${trigger.cron}|${trigger.timezone}`;
      if (!this.warned.has(warning)) {
        this.warned.add(warning);
        this.deps.logger.warn(
          { scenarioId: id, cron: trigger.cron, timezone: trigger.timezone, err: error },
          'schedule scenario has an unusable cron or time zone; it does not fire',
        );
      }
      this.entries.delete(id);
      return null;
    }
  }

  /** Claims the tick and, if this runner won it, creates and enqueues its run. */
  private async fire(scenario: ScheduledScenarioDoc, tickAt: Date, now: Date) {
    const { models } = this.deps.db;
    const scenarioId = scenario._id.toHexString();
    const versionId = scenario.publishedVersionId;
    if (!versionId) return null;
    const version = await this.versions.get(models, versionId);
    if (!version) {
      this.deps.logger.warn(
        { scenarioId, versionId: versionId.toHexString() },
        'published version not found',
      );
      return null;
    }
    const claim = await claimScheduleTick(models, {
      workspaceId: scenario.workspaceId,
      scenarioId: scenario._id,
      scenarioVersionId: version._id,
      tickAt,
      firedAt: now,
    });
    if (!claim.claimed) {
      // Fired by another runner; make sure the scenario knows (its claimer may have died since).
      await recordScheduledTick(models, scenario._id, tickAt);
      return null;
    }
    await this.dispatch(claim.tick);
    this.deps.logger.info(
      {
        scenarioId,
        runId: claim.tick.runId.toHexString(),
        scheduledFor: tickAt.toISOString(),
        lateMs: now.getTime() - tickAt.getTime(),
        version: version.version,
      },
      'schedule fired',
    );
    return {
      scenarioId,
      tickAt,
      runId: claim.tick.runId.toHexString(),
      scenarioVersionId: version._id.toHexString(),
    };
  }

  /** Creates the tick's run (a no-op when it exists), enqueues it, marks the tick dispatched. */
  private async dispatch(tick: ScheduleTickDoc): Promise<boolean> {
    const { models } = this.deps.db;
    const version = await this.versions.get(models, tick.scenarioVersionId);
    if (!version) return false;
    const runId = tick.runId.toHexString();
    const input: ScheduleTriggerInput = {
      firedAt: tick.firedAt.toISOString(),
      scheduledFor: tick.tickAt.toISOString(),
    };
    await createRuns(
      models,
      [await newRunOfVersion(version, { id: tick.runId, kind: 'schedule', correlationId: runId, input })],
      tick.firedAt,
    );
    await scheduleRun(this.deps.queue, runId);
    await markScheduleTickDispatched(models, tick._id);
    await recordScheduledTick(models, tick.scenarioId, tick.tickAt);
    return true;
  }

  /** Ticks whose claimer died between the claim and the enqueue: their runs, with the stored ids. */
  private async repair(now: Date): Promise<number> {
    const after = this.options.repairAfterMs ?? 30_000;
    const pending = await findUndispatchedTicks(this.deps.db.models, new Date(now.getTime() - after));
    let repaired = 0;
    for (const tick of pending) {
      if (await this.dispatch(tick)) repaired++;
      else await markScheduleTickDispatched(this.deps.db.models, tick._id);
    }
    if (repaired > 0) this.deps.logger.info({ repaired }, 'schedule ticks repaired');
    return repaired;
  }
}
