import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatRelative, parseJsonText, plural, prettyJson, shortId } from './format';

describe('format', () => {
  it('formats durations', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(12.4)).toBe('12 ms');
    expect(formatDuration(1_234)).toBe('1.23 s');
    expect(formatDuration(12_345)).toBe('12.3 s');
    expect(formatDuration(125_000)).toBe('2m 5s');
    expect(formatDuration(3_900_000)).toBe('1h 5m');
  });

  it('formats relative times', () => {
    const now = new Date('2026-01-01T12:00:00Z');
    expect(formatRelative(new Date('2026-01-01T11:59:58Z'), now)).toBe('just now');
    expect(formatRelative(new Date('2026-01-01T11:59:00Z'), now)).toBe('1m ago');
    expect(formatRelative('2026-01-01T09:00:00Z', now)).toBe('3h ago');
    expect(formatRelative(new Date('2026-01-03T12:00:00Z'), now)).toBe('in 2d');
    expect(formatRelative(null, now)).toBe('—');
  });

  it('formats bytes, plurals and ids', () => {
    expect(formatBytes(10)).toBe('10 B');
    expect(formatBytes(2048)).toBe('2.0 KiB');
    expect(plural(1, 'run')).toBe('1 run');
    expect(plural(2, 'run')).toBe('2 runs');
    expect(shortId('0123456789abcdef01234567')).toBe('0123…4567');
  });

  it('parses and prints JSON', () => {
    expect(parseJsonText('')).toEqual({ ok: true, value: undefined });
    expect(parseJsonText('{"a":1}')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseJsonText('{a').ok).toBe(false);
    expect(prettyJson({ a: 1 })).toBe('{\n  "a": 1\n}');
    expect(prettyJson(undefined)).toBe('');
  });
});
