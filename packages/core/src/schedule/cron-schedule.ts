import { CRON_FIELDS, type CronFieldSpec, cronProblem, isValidTimeZone, parseCronValue } from '../nodes/cron.js';

/**
 * A parsed five-field cron expression (minute hour day-of-month month day-of-week), read the way
 * Vixie cron reads it:
 * - `*`, `a`, `a-b`, `a-b/n`, `* /n` (without the space) and `a/n` (= `a-max/n`), lists with `,`,
 *   month and weekday names (`jan`, `mon`), weekday 7 = Sunday;
 * - when both day-of-month and day-of-week are restricted (neither starts with `*`), a day matches
 *   if **either** matches (`0 0 1 * mon` = the 1st and every Monday); otherwise both must.
 */
export interface CronSchedule {
  readonly expression: string;
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly daysOfMonth: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  /** 0 = Sunday … 6 = Saturday. */
  readonly daysOfWeek: ReadonlySet<number>;
  readonly domRestricted: boolean;
  readonly dowRestricted: boolean;
  /** The hour field starts with `*`: the job follows real time through a repeated (DST) hour. */
  readonly hourWildcard: boolean;
}

export class CronError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CronError';
  }
}

function expandField(field: string, spec: CronFieldSpec): number[] {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    let from: number;
    let to: number;
    if (range === '*') {
      from = spec.min;
      to = spec.max;
    } else {
      const [a = '', b] = range.split('-');
      from = parseCronValue(a, spec) ?? spec.min;
      // `a/n` runs from a to the end of the field, as in Vixie cron.
      to = b === undefined ? (stepText === undefined ? from : spec.max) : (parseCronValue(b, spec) ?? from);
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return [...values].sort((x, y) => x - y);
}

/** Parses a cron expression; throws `CronError` with the first problem (see `cronProblem`). */
export function parseCron(expression: string): CronSchedule {
  const problem = cronProblem(expression);
  if (problem) throw new CronError(problem);
  const fields = expression.trim().split(/\s+/);
  const [minute, hour, dom, month, dow] = CRON_FIELDS.map((spec, i) => expandField(fields[i] ?? '*', spec));
  return {
    expression,
    minutes: minute ?? [],
    hours: hour ?? [],
    daysOfMonth: new Set(dom),
    months: new Set(month),
    daysOfWeek: new Set((dow ?? []).map((d) => d % 7)),
    domRestricted: !(fields[2] ?? '*').startsWith('*'),
    dowRestricted: !(fields[4] ?? '*').startsWith('*'),
    hourWildcard: (fields[1] ?? '*').startsWith('*'),
  };
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Searching further than this finds nothing new (Feb 29 on a Monday repeats within 28 years; 2100 is no leap year). */
const MAX_SEARCH_DAYS = 366 * 29;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * The zone's offset from UTC at an instant, in ms (local wall time = instant + offset), read from
 * `Intl.DateTimeFormat`: the platform's tz database, no table of our own.
 */
export function timeZoneOffsetMs(timeZone: string, instantMs: number): number {
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return 0;
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(instantMs)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const wall = Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return wall - (instantMs - (((instantMs % 1000) + 1000) % 1000));
}

function dayMatches(schedule: CronSchedule, naiveDayStart: number): boolean {
  const date = new Date(naiveDayStart);
  if (!schedule.months.has(date.getUTCMonth() + 1)) return false;
  const dom = schedule.daysOfMonth.has(date.getUTCDate());
  const dow = schedule.daysOfWeek.has(date.getUTCDay());
  if (schedule.domRestricted && schedule.dowRestricted) return dom || dow;
  return dom && dow;
}

/**
 * The earliest firing instant strictly after `afterMs` among the local wall times of one local
 * day (`naiveDayStart` = that day's midnight written as if it were UTC), or null.
 *
 * Daylight saving time, as Vixie cron and RFC 5545 do it:
 * - a wall time that does not exist (spring forward) fires at the same distance after the change
 *   (02:30 in a 02:00→03:00 gap fires at 03:30 of the new offset); for `* /15 * * *`-like
 *   expressions that instant is also a regular one, so nothing fires twice;
 * - a wall time that happens twice (fall back) fires once, at its first occurrence, unless the
 *   hour field starts with `*`: such an expression follows real time and fires in both passes.
 */
function firstInDay(
  schedule: CronSchedule,
  timeZone: string,
  naiveDayStart: number,
  afterMs: number,
): number | null {
  // The offsets around this local day: equal unless a transition is near.
  const before = timeZoneOffsetMs(timeZone, naiveDayStart - 14 * HOUR);
  const after = timeZoneOffsetMs(timeZone, naiveDayStart + DAY + 14 * HOUR);
  const latestOffset = Math.max(before, after);
  let best: number | null = null;
  for (const hour of schedule.hours) {
    for (const minute of schedule.minutes) {
      const wall = naiveDayStart + hour * HOUR + minute * MINUTE;
      // Later wall times cannot fire before what was found.
      if (best !== null && wall - latestOffset > best) return best;
      let candidates: number[];
      if (before === after) candidates = [wall - before];
      else {
        const first = wall - before;
        const second = wall - after;
        const valid = [first, second]
          .filter((instant, i) => timeZoneOffsetMs(timeZone, instant) === (i === 0 ? before : after))
          .sort((x, y) => x - y);
        if (valid.length === 0) candidates = [first];
        else if (valid.length === 2 && !schedule.hourWildcard) candidates = [valid[0]!];
        else candidates = valid;
      }
      for (const instant of candidates) {
        if (instant > afterMs && (best === null || instant < best)) best = instant;
      }
    }
  }
  return best;
}

export type CronInput = string | CronSchedule;

function scheduleOf(cron: CronInput): CronSchedule {
  return typeof cron === 'string' ? parseCron(cron) : cron;
}

function checkZone(timeZone: string) {
  if (!isValidTimeZone(timeZone)) throw new CronError(`"${timeZone}" is not an IANA time zone`);
}

/**
 * The first time strictly after `after` at which the cron fires in `timeZone` (whole minutes),
 * or null when it never fires (`0 0 31 2 *`). Pure: the zone rules come from `Intl`.
 */
export function nextCronTime(cron: CronInput, timeZone: string, after: Date): Date | null {
  const schedule = scheduleOf(cron);
  checkZone(timeZone);
  const afterMs = after.getTime();
  const localNow = afterMs + timeZoneOffsetMs(timeZone, afterMs);
  // A day early: the second pass of a repeated hour may belong to the previous local date.
  let day = Math.floor(localNow / DAY) * DAY - DAY;
  let found: number | null = null;
  for (let i = 0; i < MAX_SEARCH_DAYS; i++, day += DAY) {
    if (found !== null) {
      // One more day after a find: a DST change around midnight can put its first tick earlier.
      const next = dayMatches(schedule, day) ? firstInDay(schedule, timeZone, day, afterMs) : null;
      if (next !== null && next < found) found = next;
      break;
    }
    if (dayMatches(schedule, day)) found = firstInDay(schedule, timeZone, day, afterMs);
  }
  return found === null ? null : new Date(found);
}

/**
 * The latest time at or before `at` (and after `notBefore`, when given) at which the cron fires,
 * or null. The scheduler fires this one tick for everything missed while no runner was up.
 */
export function latestCronTime(
  cron: CronInput,
  timeZone: string,
  at: Date,
  notBefore?: Date | null,
): Date | null {
  const schedule = scheduleOf(cron);
  checkZone(timeZone);
  const atMs = at.getTime();
  const floor = notBefore ? notBefore.getTime() : atMs - MAX_SEARCH_DAYS * DAY;
  for (let window = HOUR; ; window *= 4) {
    const from = Math.max(atMs - window, floor);
    let last: Date | null = null;
    let tick = nextCronTime(schedule, timeZone, new Date(from));
    while (tick && tick.getTime() <= atMs) {
      last = tick;
      tick = nextCronTime(schedule, timeZone, tick);
    }
    if (last || from <= floor) return last;
  }
}
