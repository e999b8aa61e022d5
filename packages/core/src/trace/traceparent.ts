/**
 * The W3C Trace Context `traceparent` header (https://www.w3.org/TR/trace-context/#traceparent-header):
 * `<version>-<trace-id>-<parent-id>-<flags>`, lowercase hex. Parsed here, without a tracing SDK, so
 * the api can decide whether a partner's header continues its trace and the runner can read the
 * one stored on a run.
 */
export interface TraceParent {
  /** 32 hex digits, not all zero. */
  readonly traceId: string;
  /** 16 hex digits, not all zero: the span the next one is a child of. */
  readonly parentId: string;
  /** The trace-flags byte (bit 0: sampled). */
  readonly flags: number;
}

const VERSION_00 = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
// A later version may append fields after the flags; its first four fields keep version 00's shape.
const LATER_VERSION = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ALL_ZERO = /^0+$/;

/**
 * The trace context in a `traceparent` value, or null when it is not a valid one (absent, a list
 * of several, wrong lengths or case, version `ff`, an all-zero trace or parent id): the caller then
 * starts a new trace, as the specification asks.
 */
export function parseTraceparent(value: unknown): TraceParent | null {
  if (typeof value !== 'string') return null;
  const text = value.trim();
  let traceId: string;
  let parentId: string;
  let flags: string;
  const v00 = VERSION_00.exec(text);
  if (v00) {
    [, traceId, parentId, flags] = v00 as unknown as [string, string, string, string];
  } else {
    const later = LATER_VERSION.exec(text);
    // Version 00 allows nothing after the flags; ff is forbidden.
    if (!later || later[1] === '00' || later[1] === 'ff') return null;
    [, , traceId, parentId, flags] = later as unknown as [string, string, string, string, string];
  }
  if (ALL_ZERO.test(traceId) || ALL_ZERO.test(parentId)) return null;
  return { traceId, parentId, flags: Number.parseInt(flags, 16) };
}

/** The version 00 `traceparent` value of a trace context (flags: only the sampled bit is defined). */
export function formatTraceparent(context: TraceParent): string {
  const flags = (context.flags & 0xff).toString(16).padStart(2, '0');
  return `00-${context.traceId}-${context.parentId}-${flags}`;
}
