/** One item's outcome in a group write. */
export type Settled<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: unknown };

/**
 * Group commit: callers submit items one by one; they are written together. The first item is
 * written at once; items submitted while a write is under way wait for the next one, which takes
 * all of them (up to `maxBatch`). An idle caller waits for nothing, and under load one round trip
 * carries many items. Each caller's promise settles with its own item's outcome (a write that
 * fails as a whole rejects every item in it).
 */
export class GroupCommit<T, R = void> {
  private waiting: { item: T; resolve: (value: R) => void; reject: (error: unknown) => void }[] = [];
  private writing = false;

  constructor(
    private readonly write: (items: readonly T[]) => Promise<readonly Settled<R>[]>,
    private readonly maxBatch = 500,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, this.maxBatch);
        try {
          const outcomes = await this.write(batch.map((w) => w.item));
          batch.forEach((waiter, i) => {
            const outcome = outcomes[i];
            if (!outcome) waiter.reject(new Error('group commit: no outcome for an item'));
            else if (outcome.ok) waiter.resolve(outcome.value);
            else waiter.reject(outcome.error);
          });
        } catch (error) {
          for (const waiter of batch) waiter.reject(error);
        }
      }
    } finally {
      this.writing = false;
    }
  }
}

/** Every item of a write that succeeded (or failed) as a whole. */
export function allOk<T>(items: readonly unknown[], value: T): Settled<T>[] {
  return items.map(() => ({ ok: true, value }));
}
