import { describe, expect, it } from 'vitest';
import {
  isOutboundRateLimitWait,
  nextOutboundSlot,
  OutboundRateLimitWait,
  outboundRateWindow,
  withOutboundSlot,
} from './outbound-rate.js';

describe('outboundRateWindow', () => {
  it('turns a rate per second into a sliding window', () => {
    expect(outboundRateWindow(5)).toEqual({ count: 5, windowMs: 1_000 });
    expect(outboundRateWindow(2.5)).toEqual({ count: 2, windowMs: 800 });
    expect(outboundRateWindow(0.5)).toEqual({ count: 1, windowMs: 2_000 });
    expect(outboundRateWindow(10_000)).toEqual({ count: 100, windowMs: 10 });
    expect(() => outboundRateWindow(0)).toThrow(RangeError);
  });
});

describe('nextOutboundSlot', () => {
  const window = { count: 3, windowMs: 1_000 };

  it('lets a burst of `count` through, then spaces by the window', () => {
    let slots: number[] = [];
    const taken: number[] = [];
    for (let i = 0; i < 7; i++) {
      const slot = nextOutboundSlot(slots, 100, window);
      taken.push(slot);
      slots = withOutboundSlot(slots, slot, window);
    }
    expect(taken).toEqual([100, 100, 100, 1_100, 1_100, 1_100, 2_100]);
    expect(slots).toEqual([1_100, 1_100, 2_100]);
  });

  it('never hands out a slot before the last one, and frees slots as time passes', () => {
    expect(nextOutboundSlot([500], 100, window)).toBe(500);
    expect(nextOutboundSlot([0, 10, 20], 5_000, window)).toBe(5_000);
  });

  it('keeps every sliding window at count at most, whatever the arrival times', () => {
    let slots: number[] = [];
    const all: number[] = [];
    let now = 0;
    for (let i = 0; i < 500; i++) {
      now += (i * 7919) % 400;
      const slot = nextOutboundSlot(slots, now, window);
      all.push(slot);
      slots = withOutboundSlot(slots, slot, window);
    }
    for (const [i, start] of all.entries()) {
      const inWindow = all.slice(i).filter((t) => t < start + window.windowMs).length;
      expect(inWindow).toBeLessThanOrEqual(window.count);
    }
  });
});

it('recognises the wait signal', () => {
  const wait = new OutboundRateLimitWait(new Date(0), 'c1', 5);
  expect(isOutboundRateLimitWait(wait)).toBe(true);
  expect(wait.message).toMatch(/connection c1 is at its outbound limit of 5 requests per second/);
  expect(isOutboundRateLimitWait(new Error('x'))).toBe(false);
});
