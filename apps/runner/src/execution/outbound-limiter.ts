import { setTimeout as sleep } from 'node:timers/promises';
import { OutboundRateLimitWait, outboundRateWindow } from '@weft/core';
import {
  findConnectionRateLimit,
  type Models,
  OutboundLimitContentionError,
  reserveOutboundSlot,
} from '@weft/db';
import { Types } from 'mongoose';

export interface OutboundLimiterOptions {
  /** Slots up to this far ahead are waited for in-process; beyond, the step is suspended. */
  readonly horizonMs: number;
  /** How long a connection's `rateLimitPerSec` is cached (a changed limit applies within this). */
  readonly limitCacheMs?: number;
  /** Slots are stamped this far ahead (default 10 ms), so every request is sent by its timer at its slot. */
  readonly leadMs?: number;
  /**
   * Added to the limit's window (default 2.5 % of it, 5–50 ms: 25 ms for a per-second limit): a
   * request reaches the remote side a few ms after its slot, and without a margin two requests
   * exactly a window apart could be counted in one window there.
   */
  readonly marginMs?: (windowMs: number) => number;
}

/** The default safety margin: 2.5 % of the window, between 5 and 50 ms. */
export function defaultMarginMs(windowMs: number): number {
  return Math.min(50, Math.max(5, Math.round(windowMs * 0.025)));
}

interface CachedLimit {
  readonly ratePerSec: number | null;
  readonly readAt: number;
}

/**
 * Holds requests made for a connection to its `rateLimitPerSec`, across every runner: each
 * request reserves a slot in the connection's `outboundLimits` document (packages/db,
 * `reserveOutboundSlot`) and waits for it. A slot within `horizonMs` is slept for here (abortable);
 * a later one is not taken, and `OutboundRateLimitWait` suspends the step until about then (the
 * HTTP nodes turn it into a `wait` result: durable, and no attempt is spent). Within one process
 * the reservations of a connection are made one after the other, so the compare-and-set only
 * contends between processes.
 */
export class OutboundLimiter {
  private readonly limits = new Map<string, CachedLimit>();
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly models: Models,
    private readonly options: OutboundLimiterOptions,
  ) {}

  /**
   * Resolves when a request for `connectionId` may go, with the slot it was given (ms), or null
   * when the connection has no limit; throws `OutboundRateLimitWait` to suspend.
   */
  async acquire(
    connectionId: string,
    workspaceId: Types.ObjectId,
    signal: AbortSignal,
  ): Promise<number | null> {
    const ratePerSec = await this.rateOf(connectionId, workspaceId);
    if (ratePerSec === null) return null;
    const limit = outboundRateWindow(ratePerSec);
    const margin = (this.options.marginMs ?? defaultMarginMs)(limit.windowMs);
    const window = { count: limit.count, windowMs: limit.windowMs + margin };
    const reserve = () =>
      reserveOutboundSlot(this.models, connectionId, window, {
        horizonMs: this.options.horizonMs,
        leadMs: this.options.leadMs ?? 10,
      });
    for (let attempt = 1; ; attempt++) {
      const at = await this.reserveInTurn(connectionId, reserve, window.windowMs, ratePerSec);
      const waitMs = at - Date.now();
      if (waitMs > 0) await sleep(waitMs, undefined, { signal });
      // Sent much later than its slot (the event loop was busy), a request could crowd the next
      // window at the remote side: take a fresh slot instead (a few times at most).
      if (Date.now() - at <= margin || attempt >= 3) return at;
    }
  }

  /** One reservation, after the earlier ones of this process for the same connection. */
  private async reserveInTurn(
    connectionId: string,
    reserve: () => ReturnType<typeof reserveOutboundSlot>,
    windowMs: number,
    ratePerSec: number,
  ): Promise<number> {
    const previous = this.queues.get(connectionId) ?? Promise.resolve();
    const mine = previous.then(reserve, reserve);
    const tail = mine.catch(() => undefined);
    this.queues.set(connectionId, tail);
    let slot: Awaited<ReturnType<typeof reserve>>;
    try {
      slot = await mine;
    } catch (error) {
      // Extreme contention: rather than fail the step, try again a window later.
      if (error instanceof OutboundLimitContentionError)
        throw new OutboundRateLimitWait(new Date(Date.now() + windowMs), connectionId, ratePerSec);
      throw error;
    } finally {
      if (this.queues.get(connectionId) === tail) this.queues.delete(connectionId);
    }
    if (!slot.reserved) throw new OutboundRateLimitWait(new Date(slot.at), connectionId, ratePerSec);
    return slot.at;
  }

  private async rateOf(connectionId: string, workspaceId: Types.ObjectId): Promise<number | null> {
    const cacheMs = this.options.limitCacheMs ?? 5_000;
    const key = `${workspaceId.toHexString()}:${connectionId}`;
    const cached = this.limits.get(key);
    if (cached && Date.now() - cached.readAt < cacheMs) return cached.ratePerSec;
    // An invalid id has no limit; the node's own use of the connection reports it.
    if (!Types.ObjectId.isValid(connectionId)) return null;
    const doc = await findConnectionRateLimit(this.models, workspaceId, new Types.ObjectId(connectionId));
    const rate = doc?.rateLimitPerSec;
    const ratePerSec = typeof rate === 'number' && rate > 0 ? rate : null;
    this.limits.set(key, { ratePerSec, readAt: Date.now() });
    if (this.limits.size > 10_000) this.limits.delete(this.limits.keys().next().value!);
    return ratePerSec;
  }
}
