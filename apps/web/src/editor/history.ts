/**
 * Undo/redo over immutable snapshots. Typing in one field produces many commits; commits with
 * the same `key` within `coalesceMs` replace the latest entry instead of adding one, so one undo
 * reverts a whole burst of typing.
 */

export interface History<T> {
  readonly past: readonly T[];
  readonly present: T;
  readonly future: readonly T[];
  readonly lastKey: string | null;
  readonly lastAt: number;
}

export interface CommitOptions {
  /** Commits of the same key close together coalesce (e.g. `config:http.url`). */
  readonly key?: string;
  readonly at?: number;
  readonly coalesceMs?: number;
  /** How many undo steps are kept. */
  readonly limit?: number;
}

export function createHistory<T>(present: T): History<T> {
  return { past: [], present, future: [], lastKey: null, lastAt: 0 };
}

export function commit<T>(history: History<T>, next: T, options: CommitOptions = {}): History<T> {
  if (next === history.present) return history;
  const at = options.at ?? Date.now();
  const key = options.key ?? null;
  const coalesce =
    key !== null &&
    key === history.lastKey &&
    history.past.length > 0 &&
    at - history.lastAt <= (options.coalesceMs ?? 1_000);
  if (coalesce) return { past: history.past, present: next, future: [], lastKey: key, lastAt: at };
  const limit = options.limit ?? 200;
  const past = [...history.past, history.present];
  return {
    past: past.length > limit ? past.slice(past.length - limit) : past,
    present: next,
    future: [],
    lastKey: key,
    lastAt: at,
  };
}

export function undo<T>(history: History<T>): History<T> {
  const previous = history.past.at(-1);
  if (history.past.length === 0) return history;
  return {
    past: history.past.slice(0, -1),
    present: previous as T,
    future: [history.present, ...history.future],
    lastKey: null,
    lastAt: 0,
  };
}

export function redo<T>(history: History<T>): History<T> {
  if (history.future.length === 0) return history;
  const [next, ...rest] = history.future;
  return {
    past: [...history.past, history.present],
    present: next as T,
    future: rest,
    lastKey: null,
    lastAt: 0,
  };
}

export const canUndo = (history: History<unknown>): boolean => history.past.length > 0;
export const canRedo = (history: History<unknown>): boolean => history.future.length > 0;

/** Replaces the present without an undo step (e.g. the server's copy after a reload). */
export function reset<T>(present: T): History<T> {
  return createHistory(present);
}
