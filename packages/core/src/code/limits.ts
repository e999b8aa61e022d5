/** Limits of a `code` node: each node picks its own within these hard maxima. */
export const CODE_LIMITS = {
  /** Longest code a node may hold, in characters. */
  maxCodeChars: 100_000,
  /** CPU time of one execution, in milliseconds. */
  defaultTimeLimitMs: 1_000,
  minTimeLimitMs: 10,
  maxTimeLimitMs: 10_000,
  /** The sandbox's whole heap (the engine itself takes about 1 MiB of it), in MiB. */
  defaultMemoryLimitMb: 64,
  minMemoryLimitMb: 16,
  maxMemoryLimitMb: 256,
  /** `console.*` lines one execution may log, and the length of each. */
  maxLogLines: 100,
  maxLogLineChars: 2_000,
} as const;
