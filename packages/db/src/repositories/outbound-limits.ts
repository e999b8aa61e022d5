import { nextOutboundSlot, type RateWindow, withOutboundSlot } from '@weft/core';
import { isDuplicateKeyError } from '../ids.js';
import type { Models, OutboundLimitDoc } from '../models.js';

export type OutboundSlot =
  /** The caller may send at `at` (now or a little later); the slot is taken. */
  | { readonly reserved: true; readonly at: number }
  /** No slot within the horizon; the earliest free one is at `at` (nothing was taken). */
  | { readonly reserved: false; readonly at: number };

export interface ReserveOutboundSlotOptions {
  readonly now?: number;
  /** A slot further away than this is not taken: the caller suspends instead of holding a slot. */
  readonly horizonMs: number;
  /**
   * Slots are stamped at least this far ahead of now, and the caller sleeps until its slot: a
   * request let through at once then goes at its stamped time like a delayed one, instead of
   * after the reservation's own round trips, which would crowd it into the next window at the
   * receiver.
   */
  readonly leadMs?: number;
  /** Compare-and-set rounds before giving up (each round is one read and one conditional write). */
  readonly maxRounds?: number;
}

export class OutboundLimitContentionError extends Error {
  constructor(key: string, rounds: number) {
    super(`could not reserve an outbound slot for ${key} in ${rounds} rounds of contention`);
    this.name = 'OutboundLimitContentionError';
  }
}

/**
 * Reserves the next request slot of a limited connection (`key`), shared by every runner: one
 * document per connection holds the recent slots; a read and a compare-and-set write on its
 * version take the next slot that keeps every sliding window within the limit (core's
 * `nextOutboundSlot`). Atomic on any MongoDB and on the embedded server (`updateOne` with a
 * version filter). Times are the runners' clocks: keep them in sync (NTP).
 */
export async function reserveOutboundSlot(
  models: Models,
  key: string,
  window: RateWindow,
  options: ReserveOutboundSlotOptions,
): Promise<OutboundSlot> {
  const maxRounds = options.maxRounds ?? 100;
  for (let round = 0; round < maxRounds; round++) {
    const now = options.now ?? Date.now();
    const doc = await models.OutboundLimit.findById(key).lean<OutboundLimitDoc>().exec();
    if (!doc) {
      try {
        await models.OutboundLimit.updateOne(
          { _id: key },
          { $setOnInsert: { v: 0, slots: [], updatedAt: new Date(now) } },
          { upsert: true },
        );
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      continue;
    }
    const at = nextOutboundSlot(doc.slots, now + (options.leadMs ?? 0), window);
    if (at - now > options.horizonMs) return { reserved: false, at };
    const taken = await models.OutboundLimit.updateOne(
      { _id: key, v: doc.v },
      { $set: { slots: withOutboundSlot(doc.slots, at, window), updatedAt: new Date(now) }, $inc: { v: 1 } },
    );
    if (taken.matchedCount === 1) return { reserved: true, at };
    // Another runner took a slot meanwhile: read again after a short random pause.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
  }
  throw new OutboundLimitContentionError(key, maxRounds);
}
