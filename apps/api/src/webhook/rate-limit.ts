export type TakeResult = { readonly ok: true } | { readonly ok: false; readonly retryAfterSec: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export interface TokenBucketOptions {
  /** Tokens added per second; 0 or less means unlimited. */
  readonly ratePerSec: number;
  /** Bucket size: the burst accepted after a quiet period. */
  readonly burst: number;
  readonly now: () => number;
  /** Buckets idle this long are forgotten (they would be full again anyway). */
  readonly idleMs?: number;
}

/**
 * One token bucket per key (an app id), in memory: each api process limits on its own, so N
 * processes accept up to N times the rate. A full bucket is the same as no bucket, which keeps
 * the map small.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep: number;

  constructor(private readonly options: TokenBucketOptions) {
    this.lastSweep = options.now();
  }

  get enabled(): boolean {
    return this.options.ratePerSec > 0;
  }

  /** Takes a token if there is one. */
  take(key: string): TakeResult {
    return this.check(key, true);
  }

  /** Whether a token is there, without taking it. */
  peek(key: string): TakeResult {
    return this.check(key, false);
  }

  private check(key: string, take: boolean): TakeResult {
    if (!this.enabled) return { ok: true };
    const { ratePerSec, burst } = this.options;
    const now = this.options.now();
    this.sweep(now);
    const bucket = this.buckets.get(key) ?? { tokens: burst, updatedAt: now };
    const elapsedSec = Math.max(0, now - bucket.updatedAt) / 1000;
    bucket.tokens = Math.min(burst, bucket.tokens + elapsedSec * ratePerSec);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      if (take) bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSec: Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerSec)) };
  }

  private sweep(now: number): void {
    const idleMs = this.options.idleMs ?? 60_000;
    if (now - this.lastSweep < idleMs) return;
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.updatedAt >= idleMs) this.buckets.delete(key);
    }
  }
}
