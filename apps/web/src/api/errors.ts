/**
 * What the UI shows of a failed call: the server's message (specific by design), the fields it
 * names, graph problems, and whether the token is the problem. Works on anything thrown, so it
 * is testable without a network.
 */
import type { GraphProblem } from '@weft/core';

export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

export interface ErrorInfo {
  /** tRPC code (`BAD_REQUEST`, `CONFLICT` …) or null for a network failure or a non-tRPC error. */
  readonly code: string | null;
  readonly message: string;
  readonly fieldIssues: readonly FieldIssue[];
  readonly problems: readonly GraphProblem[];
  readonly usedBy: readonly string[];
}

interface ShapedData {
  code?: unknown;
  zodError?: { issues?: unknown } | null;
  problems?: unknown;
  usedBy?: unknown;
}

function dataOf(error: unknown): ShapedData | null {
  if (typeof error !== 'object' || error === null || !('data' in error)) return null;
  const data = (error as { data: unknown }).data;
  return typeof data === 'object' && data !== null ? (data as ShapedData) : null;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  return 'something went wrong';
}

export function describeError(error: unknown): ErrorInfo {
  const data = dataOf(error);
  const code = typeof data?.code === 'string' ? data.code : null;
  let message = messageOf(error);
  if (code === null && /fetch|network|Failed to fetch|NetworkError/i.test(message)) {
    message = `the server cannot be reached (${message}); check that Weft is running`;
  }
  const issues = data?.zodError?.issues;
  const fieldIssues: FieldIssue[] = Array.isArray(issues)
    ? issues.flatMap((issue: unknown) => {
        if (typeof issue !== 'object' || issue === null) return [];
        const { path, message: text } = issue as { path?: unknown; message?: unknown };
        return typeof text === 'string' ? [{ path: typeof path === 'string' ? path : '', message: text }] : [];
      })
    : [];
  const problems = Array.isArray(data?.problems) ? (data.problems as GraphProblem[]) : [];
  const usedBy = Array.isArray(data?.usedBy)
    ? data.usedBy.filter((name): name is string => typeof name === 'string')
    : [];
  return { code, message, fieldIssues, problems, usedBy };
}

export function isUnauthorized(error: unknown): boolean {
  return dataOf(error)?.code === 'UNAUTHORIZED';
}

export function isConflict(error: unknown): boolean {
  return dataOf(error)?.code === 'CONFLICT';
}

/** The revision a CONFLICT of `scenarios.updateDraft` names ("… the current revision is 7; …"). */
export function conflictRevision(error: unknown): number | null {
  if (!isConflict(error)) return null;
  const match = /current revision is (\d+)/.exec(messageOf(error));
  return match ? Number(match[1]) : null;
}

/** The message of the field `path` names (exact, or the issue for a parent object). */
export function issueFor(info: ErrorInfo, path: string): string | undefined {
  return info.fieldIssues.find((issue) => issue.path === path || issue.path.endsWith(`.${path}`))?.message;
}
