interface Entry<V> {
  readonly value: Promise<V>;
  readonly expiresAt: number;
}

export interface TtlCacheOptions {
  readonly ttlMs: number;
  readonly maxEntries: number;
  readonly now: () => number;
}

/**
 * A small in-memory cache of loads by key. Concurrent misses of one key share one load (a burst
 * of 50 copies of a webhook asks the database once); a failed load is not cached. Entries expire
 * after `ttlMs`; beyond `maxEntries` the oldest entry goes.
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, Entry<V>>();

  constructor(private readonly options: TtlCacheOptions) {}

  get size(): number {
    return this.entries.size;
  }

  getOrLoad(key: K, load: () => Promise<V>): Promise<V> {
    const now = this.options.now();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > now) return hit.value;
    if (hit) this.entries.delete(key);
    if (this.options.ttlMs <= 0) return load();
    const value = load();
    this.entries.set(key, { value, expiresAt: now + this.options.ttlMs });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    return value;
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
