import { truncateForMessage } from './encoding.js';
import { failure } from './result.js';
import type { VerificationFailure } from './types.js';

// Unix seconds; 12 digits reach the year 33658, so anything longer is not a timestamp.
const unixSecondsPattern = /^\d{1,12}$/;

/**
 * Parses a signed Unix timestamp (whole seconds). `label` names where it came from,
 * e.g. "webhook-timestamp" or "Stripe-Signature t".
 */
export function parseUnixSeconds(
  text: string,
  label: string,
): { ok: true; seconds: number } | VerificationFailure {
  if (!unixSecondsPattern.test(text)) {
    return failure(
      'malformed_timestamp',
      `${label} "${truncateForMessage(text)}" is not a Unix timestamp in whole seconds`,
    );
  }
  return { ok: true, seconds: Number(text) };
}

/**
 * Rejects timestamps more than `toleranceSec` away from `now` in either direction:
 * too old is a replay, too far ahead is a clock problem or a pre-signed replay.
 * `subject` names the value, e.g. "webhook-timestamp 1700000000".
 */
export function checkTimestampWindow(
  seconds: number,
  now: Date,
  toleranceSec: number,
  subject: string,
): VerificationFailure | null {
  const offset = Math.floor(now.getTime() / 1000) - seconds;
  const distance = Math.abs(offset);
  if (distance <= toleranceSec) return null;
  const direction = offset > 0 ? 'in the past' : 'in the future';
  return failure(
    'timestamp_out_of_window',
    `${subject} is ${distance} s from now (${direction}); tolerance is ${toleranceSec} s`,
  );
}

export function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
