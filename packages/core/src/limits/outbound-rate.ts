/**
 * Outbound rate limits of connections (`rateLimitPerSec`), shared by every runner: the pure part.
 * The runner keeps the recent slots of a connection in one database document and reserves the
 * next one with a compare-and-set; the math of which slot is next lives here.
 */

/** A limit as "at most `count` requests in any `windowMs`" (a sliding window, not a fixed one). */
export interface RateWindow {
  readonly count: number;
  readonly windowMs: number;
}

/** Beyond this many requests per window the window shrinks instead: the slot list stays small. */
export const MAX_WINDOW_COUNT = 100;

/**
 * `rate` per second as a sliding window: an integer rate r ≤ 100 is "r in any second"; a
 * fractional one keeps its average (2.5/s = 2 in any 800 ms, 0.5/s = 1 in any 2 s); above 100/s
 * it is 100 in any 100_000/r ms (10,000/s = 100 in any 10 ms).
 */
export function outboundRateWindow(ratePerSec: number): RateWindow {
  if (!(ratePerSec > 0) || !Number.isFinite(ratePerSec)) throw new RangeError('rate must be a positive number');
  const count = Math.min(MAX_WINDOW_COUNT, Math.max(1, Math.floor(ratePerSec)));
  return { count, windowMs: Math.round((count * 1_000) / ratePerSec) };
}

/**
 * The earliest time at or after `now` (ms) at which one more request keeps every window of
 * `windowMs` at `count` requests at most, given the slots already taken (ascending, the last
 * `count` are enough). Slots are handed out in order: never before the last one taken.
 */
export function nextOutboundSlot(slots: readonly number[], now: number, window: RateWindow): number {
  let slot = now;
  const last = slots.at(-1);
  if (last !== undefined && last > slot) slot = last;
  if (slots.length >= window.count) {
    const oldest = slots[slots.length - window.count]!;
    slot = Math.max(slot, oldest + window.windowMs);
  }
  return slot;
}

/** The slots to keep after taking `slot`: the last `count`, ascending. */
export function withOutboundSlot(slots: readonly number[], slot: number, window: RateWindow): number[] {
  return [...slots, slot].slice(-window.count);
}

/**
 * Thrown by a runner's `ctx.http` when a connection's limit has no slot soon enough to wait for
 * in-process: the HTTP nodes turn it into a `wait` result, so the run is suspended durably until
 * `until` and the attempt is not counted (it never reached the remote side).
 */
export class OutboundRateLimitWait extends Error {
  constructor(
    readonly until: Date,
    readonly connectionId: string,
    readonly ratePerSec: number,
  ) {
    super(
      `connection ${connectionId} is at its outbound limit of ${ratePerSec} requests per second; waiting until ${until.toISOString()}`,
    );
    this.name = 'OutboundRateLimitWait';
  }
}

export function isOutboundRateLimitWait(value: unknown): value is OutboundRateLimitWait {
  return (
    value instanceof OutboundRateLimitWait ||
    (value instanceof Error && value.name === 'OutboundRateLimitWait' && (value as { until?: unknown }).until instanceof Date)
  );
}
