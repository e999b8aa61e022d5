import { z } from 'zod';
import { ERROR_CODES } from './codes.js';
import { type ClassifyThrownOptions, classifyThrown } from './thrown.js';

/** An error as a run step stores it and the API returns it. */
export const serializedErrorSchema = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  retryable: z.boolean(),
  details: z.record(z.string(), z.unknown()).optional(),
  retryAfterMs: z.number().int().nonnegative().optional(),
});

export type SerializedError = z.output<typeof serializedErrorSchema>;

const MAX_DETAIL_DEPTH = 8;
const MAX_STRING_LENGTH = 2000;

/** A JSON-safe copy: no functions, bigints, cycles, class instances or huge strings. */
export function toJsonSafe(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'string') {
    return value.length > MAX_STRING_LENGTH ? `${value.slice(0, MAX_STRING_LENGTH)}…` : value;
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object') return undefined;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DETAIL_DEPTH) return '[Truncated]';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Error) return { name: value.name, message: value.message };
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => toJsonSafe(item, depth + 1, seen) ?? null);
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const safe = toJsonSafe(item, depth + 1, seen);
      if (safe !== undefined) out[key] = safe;
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/** Classifies anything thrown and reduces it to plain data fit for storage in a run step. */
export function toSerializableError(err: unknown, options: ClassifyThrownOptions = {}): SerializedError {
  const weftError = classifyThrown(err, options);
  const details = weftError.details === undefined ? undefined : toJsonSafe(weftError.details);
  const retryAfterMs = weftError.retryAfterMs;
  return {
    code: weftError.code,
    message: weftError.message,
    retryable: weftError.retryable,
    ...(details === undefined ? {} : { details: details as Record<string, unknown> }),
    ...(retryAfterMs === undefined || !Number.isFinite(retryAfterMs) || retryAfterMs < 0
      ? {}
      : { retryAfterMs: Math.ceil(retryAfterMs) }),
  };
}
