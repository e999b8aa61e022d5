import { describe, expect, it } from 'vitest';
import { formatTraceparent, parseTraceparent } from './traceparent.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';

describe('parseTraceparent', () => {
  it('reads a version 00 header', () => {
    expect(parseTraceparent(`00-${TRACE}-${PARENT}-01`)).toEqual({
      traceId: TRACE,
      parentId: PARENT,
      flags: 1,
    });
    expect(parseTraceparent(`00-${TRACE}-${PARENT}-00`)).toEqual({
      traceId: TRACE,
      parentId: PARENT,
      flags: 0,
    });
  });

  it('tolerates surrounding whitespace', () => {
    expect(parseTraceparent(` 00-${TRACE}-${PARENT}-01 `)?.traceId).toBe(TRACE);
  });

  it('reads the first four fields of a later version, extra fields included', () => {
    expect(parseTraceparent(`cc-${TRACE}-${PARENT}-01-what-the-future-holds`)).toEqual({
      traceId: TRACE,
      parentId: PARENT,
      flags: 1,
    });
  });

  it.each([
    ['absent', undefined],
    ['not a string', 42],
    ['several values (a repeated header)', [`00-${TRACE}-${PARENT}-01`]],
    ['empty', ''],
    ['upper-case hex', `00-${TRACE.toUpperCase()}-${PARENT}-01`],
    ['a short trace id', `00-${TRACE.slice(1)}-${PARENT}-01`],
    ['a long parent id', `00-${TRACE}-${PARENT}0-01`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${PARENT}-01`],
    ['an all-zero parent id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['version ff', `ff-${TRACE}-${PARENT}-01`],
    ['version 00 with extra fields', `00-${TRACE}-${PARENT}-01-extra`],
    ['a one-digit flags field', `00-${TRACE}-${PARENT}-1`],
    ['non-hex characters', `00-${TRACE.slice(0, 31)}g-${PARENT}-01`],
  ])('refuses a header that is %s', (_what, value) => {
    expect(parseTraceparent(value)).toBeNull();
  });
});

describe('formatTraceparent', () => {
  it('writes version 00 with two-digit flags, and reads back the same', () => {
    const value = formatTraceparent({ traceId: TRACE, parentId: PARENT, flags: 1 });
    expect(value).toBe(`00-${TRACE}-${PARENT}-01`);
    expect(parseTraceparent(value)).toEqual({ traceId: TRACE, parentId: PARENT, flags: 1 });
  });
});
