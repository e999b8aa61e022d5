import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { CronError, latestCronTime, nextCronTime, parseCron, timeZoneOffsetMs } from './cron-schedule.js';

const at = (iso: string) => new Date(iso);
const iso = (date: Date | null) => date?.toISOString() ?? null;

/** The next `n` firing times after `from`. */
function series(cron: string, zone: string, from: string, n: number): string[] {
  const out: string[] = [];
  let cursor: Date | null = at(from);
  for (let i = 0; i < n && cursor; i++) {
    cursor = nextCronTime(cron, zone, cursor);
    if (cursor) out.push(cursor.toISOString());
  }
  return out;
}

describe('parseCron', () => {
  it('expands lists, ranges, steps, names and Sunday as 7', () => {
    const s = parseCron('5/20 9-17/4 1,15 jan-mar mon,7');
    expect(s.minutes).toEqual([5, 25, 45]);
    expect(s.hours).toEqual([9, 13, 17]);
    expect([...s.daysOfMonth]).toEqual([1, 15]);
    expect([...s.months]).toEqual([1, 2, 3]);
    expect([...s.daysOfWeek].sort()).toEqual([0, 1]);
    expect(s.domRestricted && s.dowRestricted).toBe(true);
    expect(parseCron('*/15 * */2 * *').domRestricted).toBe(false);
  });

  it('throws the validation message for a bad expression', () => {
    expect(() => parseCron('61 * * * *')).toThrow(new CronError('minute value 61 is outside 0–59'));
    expect(() => nextCronTime('* * * * *', 'Mars/Olympus', new Date())).toThrow(/IANA/);
  });
});

describe('nextCronTime in UTC', () => {
  it('fires on the next whole minute, strictly after', () => {
    expect(iso(nextCronTime('* * * * *', 'UTC', at('2026-03-01T10:00:00.000Z')))).toBe(
      '2026-03-01T10:01:00.000Z',
    );
    expect(iso(nextCronTime('* * * * *', 'UTC', at('2026-03-01T10:00:59.999Z')))).toBe(
      '2026-03-01T10:01:00.000Z',
    );
    expect(series('*/15 * * * *', 'UTC', '2026-03-01T10:07:00Z', 3)).toEqual([
      '2026-03-01T10:15:00.000Z',
      '2026-03-01T10:30:00.000Z',
      '2026-03-01T10:45:00.000Z',
    ]);
  });

  it('crosses days, months and years', () => {
    expect(iso(nextCronTime('0 0 1 1 *', 'UTC', at('2026-06-15T12:00:00Z')))).toBe('2027-01-01T00:00:00.000Z');
    expect(iso(nextCronTime('30 23 31 * *', 'UTC', at('2026-04-01T00:00:00Z')))).toBe(
      '2026-05-31T23:30:00.000Z',
    );
  });

  it('day of month OR day of week when both are restricted, AND otherwise', () => {
    // 2026-03-02 is a Monday.
    expect(series('0 12 15 * mon', 'UTC', '2026-03-01T00:00:00Z', 4)).toEqual([
      '2026-03-02T12:00:00.000Z',
      '2026-03-09T12:00:00.000Z',
      '2026-03-15T12:00:00.000Z',
      '2026-03-16T12:00:00.000Z',
    ]);
    expect(series('0 12 * * mon', 'UTC', '2026-03-01T00:00:00Z', 2)).toEqual([
      '2026-03-02T12:00:00.000Z',
      '2026-03-09T12:00:00.000Z',
    ]);
    expect(series('0 12 */10 * mon', 'UTC', '2026-03-01T00:00:00Z', 2)).toEqual([
      // `*/10` starts with `*`: AND — Mondays that are the 1st, 11th, 21st or 31st.
      '2026-05-11T12:00:00.000Z',
      '2026-06-01T12:00:00.000Z',
    ]);
  });

  it('Feb 29 and never', () => {
    expect(iso(nextCronTime('0 0 29 2 *', 'UTC', at('2026-01-01T00:00:00Z')))).toBe('2028-02-29T00:00:00.000Z');
    expect(iso(nextCronTime('0 0 29 2 *', 'UTC', at('2097-01-01T00:00:00Z')))).toBe('2104-02-29T00:00:00.000Z');
    expect(nextCronTime('0 0 31 2 *', 'UTC', at('2026-01-01T00:00:00Z'))).toBeNull();
  });
});

describe('nextCronTime in a time zone', () => {
  it('reads the cron in the zone: 09:00 in Berlin is 08:00Z in winter and 07:00Z in summer', () => {
    // Berlin springs forward on 2026-03-29 (02:00 CET → 03:00 CEST).
    expect(series('0 9 * * *', 'Europe/Berlin', '2026-03-27T12:00:00Z', 4)).toEqual([
      '2026-03-28T08:00:00.000Z',
      '2026-03-29T07:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
      '2026-03-31T07:00:00.000Z',
    ]);
    // … and falls back on 2026-10-25 (03:00 CEST → 02:00 CET).
    expect(series('0 9 * * *', 'Europe/Berlin', '2026-10-23T12:00:00Z', 3)).toEqual([
      '2026-10-24T07:00:00.000Z',
      '2026-10-25T08:00:00.000Z',
      '2026-10-26T08:00:00.000Z',
    ]);
  });

  it('a wall time skipped by spring forward fires right after the change, once', () => {
    expect(series('30 2 * * *', 'Europe/Berlin', '2026-03-28T12:00:00Z', 2)).toEqual([
      '2026-03-29T01:30:00.000Z', // 03:30 CEST: 02:30 does not exist that day
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
    ]);
    // Every 30 minutes through the gap: no tick twice, none lost beyond the hour that does not exist.
    expect(series('*/30 * * * *', 'Europe/Berlin', '2026-03-29T00:00:00Z', 4)).toEqual([
      '2026-03-29T00:30:00.000Z', // 01:30 CET
      '2026-03-29T01:00:00.000Z', // 03:00 CEST (02:00 CET would be the same instant)
      '2026-03-29T01:30:00.000Z', // 03:30 CEST
      '2026-03-29T02:00:00.000Z', // 04:00 CEST
    ]);
  });

  it('a repeated wall time fires once for a fixed hour, in both passes for an hour wildcard', () => {
    expect(series('30 2 * * *', 'Europe/Berlin', '2026-10-24T12:00:00Z', 2)).toEqual([
      '2026-10-25T00:30:00.000Z', // 02:30 CEST, the first pass only
      '2026-10-26T01:30:00.000Z', // 02:30 CET
    ]);
    expect(series('*/30 * * * *', 'Europe/Berlin', '2026-10-24T23:45:00Z', 5)).toEqual([
      '2026-10-25T00:00:00.000Z', // 02:00 CEST
      '2026-10-25T00:30:00.000Z', // 02:30 CEST
      '2026-10-25T01:00:00.000Z', // 02:00 CET
      '2026-10-25T01:30:00.000Z', // 02:30 CET
      '2026-10-25T02:00:00.000Z', // 03:00 CET
    ]);
  });

  it('handles a southern-hemisphere zone and a half-hour offset', () => {
    // Sydney falls back on 2026-04-05 (03:00 AEDT → 02:00 AEST).
    expect(series('0 8 * * *', 'Australia/Sydney', '2026-04-03T00:00:00Z', 3)).toEqual([
      '2026-04-03T21:00:00.000Z', // 4 April 08:00 AEDT (+11)
      '2026-04-04T22:00:00.000Z', // 5 April 08:00 AEST (+10)
      '2026-04-05T22:00:00.000Z',
    ]);
    expect(iso(nextCronTime('0 9 * * *', 'Asia/Kolkata', at('2026-01-01T00:00:00Z')))).toBe(
      '2026-01-01T03:30:00.000Z',
    );
  });

  it('knows the offsets Intl knows', () => {
    expect(timeZoneOffsetMs('Europe/Berlin', Date.parse('2026-01-15T00:00:00Z'))).toBe(3_600_000);
    expect(timeZoneOffsetMs('Europe/Berlin', Date.parse('2026-07-15T00:00:00Z'))).toBe(7_200_000);
    expect(timeZoneOffsetMs('America/New_York', Date.parse('2026-01-15T00:00:00Z'))).toBe(-5 * 3_600_000);
  });
});

describe('nextCronTime agrees with croner 11 away from DST changes', () => {
  // A deterministic pseudo-random stream, so a failure names a reproducible case.
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % n;
  };
  // Day fields never get `*/n`: Vixie (and Weft) read it as unrestricted, croner as restricted.
  const field = (min: number, max: number, day = false) => {
    switch (rand(5)) {
      case 0:
        return '*';
      case 1:
        return day ? '*' : `*/${1 + rand(Math.min(12, max))}`;
      case 2: {
        const a = min + rand(max - min + 1);
        return `${a}-${Math.min(max, a + rand(6))}`;
      }
      case 3:
        return `${min + rand(max - min + 1)},${min + rand(max - min + 1)}`;
      default:
        return String(min + rand(max - min + 1));
    }
  };
  const cases = Array.from({ length: 300 }, () => [
    `${field(0, 59)} ${field(0, 23)} ${field(1, 28, true)} ${field(1, 12)} ${field(0, 6, true)}`,
    ['UTC', 'Asia/Tokyo', 'Asia/Kolkata'][rand(3)]!,
    new Date(Date.UTC(2026, rand(12), 1 + rand(28), rand(24), rand(60), rand(60))),
  ]) as [string, string, Date][];

  it('on 300 random expressions in zones without DST', () => {
    for (const [cron, zone, from] of cases) {
      const oracle = new Cron(cron, { timezone: zone, paused: true, domAndDow: false });
      let ours: Date | null = from;
      let theirs: Date | null = from;
      for (let i = 0; i < 5 && ours && theirs; i++) {
        ours = nextCronTime(cron, zone, ours);
        theirs = oracle.nextRun(theirs);
        expect(iso(ours), `${cron} in ${zone} after ${from.toISOString()} (#${i})`).toBe(iso(theirs));
      }
    }
  });
});

describe('latestCronTime', () => {
  it('finds the last tick at or before a time', () => {
    expect(iso(latestCronTime('*/15 * * * *', 'UTC', at('2026-03-01T10:44:59Z')))).toBe(
      '2026-03-01T10:30:00.000Z',
    );
    expect(iso(latestCronTime('*/15 * * * *', 'UTC', at('2026-03-01T10:45:00Z')))).toBe(
      '2026-03-01T10:45:00.000Z',
    );
    expect(iso(latestCronTime('0 9 1 * *', 'Europe/Berlin', at('2026-07-20T00:00:00Z')))).toBe(
      '2026-07-01T07:00:00.000Z',
    );
  });

  it('respects notBefore (exclusive) and finds nothing when nothing is due', () => {
    expect(latestCronTime('0 9 * * *', 'UTC', at('2026-03-01T10:00:00Z'), at('2026-03-01T09:00:00Z'))).toBeNull();
    expect(iso(latestCronTime('0 9 * * *', 'UTC', at('2026-03-03T10:00:00Z'), at('2026-03-01T09:00:00Z')))).toBe(
      '2026-03-03T09:00:00.000Z',
    );
    expect(latestCronTime('0 0 31 2 *', 'UTC', at('2026-03-03T10:00:00Z'))).toBeNull();
  });
});
