import type { ActionResult, NodeError } from './types.js';

export function success(data: unknown, handles?: readonly string[]): ActionResult {
  return handles ? { kind: 'success', data, handles } : { kind: 'success', data };
}

export function fatal(code: string, message: string, details?: unknown): ActionResult {
  return { kind: 'fatal_error', error: { code, message, retryable: false, details } };
}

export function retryable(error: Omit<NodeError, 'retryable'>): ActionResult {
  return { kind: 'retryable_error', error: { ...error, retryable: true } };
}

export function waitUntil(until: Date, reason?: string): ActionResult {
  return reason === undefined
    ? { kind: 'wait', until: until.toISOString() }
    : { kind: 'wait', until: until.toISOString(), reason };
}
