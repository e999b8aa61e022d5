import { z } from 'zod';

export interface CronFieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

/** The five fields in order, with their bounds and names (shared by validation and `schedule/`). */
export const CRON_FIELDS: readonly CronFieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  },
  // 7 is Sunday too, as in Vixie cron.
  { name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

export function parseCronValue(text: string, spec: CronFieldSpec): number | null {
  const index = spec.names?.indexOf(text.toLowerCase()) ?? -1;
  if (index >= 0) return index + (spec.name === 'month' ? 1 : 0);
  if (!/^\d+$/.test(text)) return null;
  return Number(text);
}

function checkField(field: string, spec: CronFieldSpec): string | null {
  for (const part of field.split(',')) {
    const [range = '', step, extra] = part.split('/');
    if (extra !== undefined) return `${spec.name} "${part}" has more than one "/"`;
    if (step !== undefined && !/^[1-9]\d*$/.test(step))
      return `${spec.name} step "${step}" must be a positive integer`;
    if (range === '*') continue;
    const bounds = range.split('-');
    if (bounds.length > 2) return `${spec.name} range "${range}" is malformed`;
    const values = bounds.map((b) => parseCronValue(b, spec));
    for (const [i, value] of values.entries()) {
      if (value === null) return `${spec.name} value "${bounds[i]}" is not a number or name`;
      if (value < spec.min || value > spec.max) {
        return `${spec.name} value ${value} is outside ${spec.min}–${spec.max}`;
      }
    }
    if (values.length === 2 && (values[0] ?? 0) > (values[1] ?? 0)) {
      return `${spec.name} range "${range}" runs backwards`;
    }
  }
  return null;
}

/** The first problem of a five-field cron expression, or null when it is valid. */
export function cronProblem(expression: string): string | null {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5)
    return `cron needs 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`;
  for (const [i, spec] of CRON_FIELDS.entries()) {
    const problem = checkField(fields[i] ?? '', spec);
    if (problem) return problem;
  }
  return null;
}

export const cronExpressionSchema = z.string().superRefine((value, ctx) => {
  const problem = cronProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const timeZoneSchema = z.string().superRefine((zone, ctx) => {
  if (!isValidTimeZone(zone)) ctx.addIssue({ code: 'custom', message: `"${zone}" is not an IANA time zone` });
});
