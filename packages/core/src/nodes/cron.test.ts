import { describe, expect, it } from 'vitest';
import { cronProblem, isValidTimeZone } from './cron.js';

describe('cron validation', () => {
  it.each([
    '* * * * *',
    '*/15 * * * *',
    '0 9 * * mon-fri',
    '0 0 1,15 * *',
    '30 2 * jan-mar 7',
    '5-10/2 * * * *',
  ])('accepts %s', (expression) => expect(cronProblem(expression)).toBeNull());

  it.each([
    ['* * * *', 'cron needs 5 fields (minute hour day-of-month month day-of-week), got 4'],
    ['60 * * * *', 'minute value 60 is outside 0–59'],
    ['* 24 * * *', 'hour value 24 is outside 0–23'],
    ['* * 0 * *', 'day of month value 0 is outside 1–31'],
    ['* * * foo *', 'month value "foo" is not a number or name'],
    ['*/0 * * * *', 'minute step "0" must be a positive integer'],
    ['10-5 * * * *', 'minute range "10-5" runs backwards'],
  ])('rejects %s with a specific message', (expression, message) => {
    expect(cronProblem(expression)).toBe(message);
  });

  it('knows IANA time zones', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
  });
});
