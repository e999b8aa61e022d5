import type { VerificationFailureReason } from '../signature-schemes.js';
import type { VerificationFailure } from './types.js';

export function failure(reason: VerificationFailureReason, message: string): VerificationFailure {
  return { ok: false, reason, message };
}
