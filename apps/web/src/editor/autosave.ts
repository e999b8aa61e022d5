/**
 * The draft's autosave as a state machine. Every edit bumps `localVersion`; a save sends the
 * current version against the server `revision` it was based on. The server answers with the
 * next revision, or CONFLICT when someone else saved in between: then nothing is saved until the
 * person chooses to take the server's copy (`reloaded`) or to keep theirs on top of it
 * (`keepMine`, which saves against the newer revision). Failures retry with backoff, except
 * rejections that a retry cannot fix (bad input), which wait for the next edit.
 */

export type SaveStatus = 'saved' | 'dirty' | 'saving' | 'conflict' | 'error';

export interface AutosaveState {
  readonly status: SaveStatus;
  /** The server revision the local draft is based on. */
  readonly revision: number;
  readonly localVersion: number;
  readonly savedVersion: number;
  /** The local version being saved right now. */
  readonly inFlight: number | null;
  readonly editedAt: number;
  readonly failedAt: number;
  readonly failures: number;
  readonly retryable: boolean;
  readonly error: string | null;
  /** The revision someone else saved, when a save conflicted. */
  readonly conflictRevision: number | null;
}

export type AutosaveEvent =
  | { readonly type: 'edited'; readonly at: number }
  | { readonly type: 'saveStarted' }
  | { readonly type: 'saveSucceeded'; readonly revision: number }
  | { readonly type: 'saveConflicted'; readonly currentRevision: number | null }
  | { readonly type: 'saveFailed'; readonly message: string; readonly at: number; readonly retryable: boolean }
  /** The server's copy replaced the local one: nothing is unsaved. */
  | { readonly type: 'reloaded'; readonly revision: number }
  /** Keep the local draft and save it over `revision` (the one that conflicted). */
  | { readonly type: 'keepMine'; readonly revision: number };

export const SAVE_DEBOUNCE_MS = 800;
export const MAX_RETRY_MS = 30_000;

export function initialAutosave(revision: number): AutosaveState {
  return {
    status: 'saved',
    revision,
    localVersion: 0,
    savedVersion: 0,
    inFlight: null,
    editedAt: 0,
    failedAt: 0,
    failures: 0,
    retryable: true,
    error: null,
    conflictRevision: null,
  };
}

function settle(state: AutosaveState): SaveStatus {
  return state.localVersion > state.savedVersion ? 'dirty' : 'saved';
}

export function autosaveReducer(state: AutosaveState, event: AutosaveEvent): AutosaveState {
  switch (event.type) {
    case 'edited': {
      const next = { ...state, localVersion: state.localVersion + 1, editedAt: event.at };
      if (state.status === 'saving' || state.status === 'conflict') return next;
      // A new edit may fix what a non-retryable failure complained about: try again.
      return { ...next, status: 'dirty', retryable: true };
    }
    case 'saveStarted':
      if (state.status === 'saving' || state.status === 'conflict') return state;
      if (state.localVersion === state.savedVersion) return state;
      return { ...state, status: 'saving', inFlight: state.localVersion };
    case 'saveSucceeded': {
      if (state.inFlight === null) return state;
      const next = {
        ...state,
        revision: event.revision,
        savedVersion: state.inFlight,
        inFlight: null,
        failures: 0,
        error: null,
        retryable: true,
      };
      return { ...next, status: settle(next) };
    }
    case 'saveConflicted':
      return { ...state, status: 'conflict', inFlight: null, conflictRevision: event.currentRevision };
    case 'saveFailed':
      return {
        ...state,
        status: 'error',
        inFlight: null,
        failures: state.failures + 1,
        failedAt: event.at,
        error: event.message,
        retryable: event.retryable,
      };
    case 'reloaded':
      return { ...initialAutosave(event.revision), localVersion: state.localVersion, savedVersion: state.localVersion };
    case 'keepMine': {
      if (state.status !== 'conflict') return state;
      return { ...state, status: 'dirty', revision: event.revision, conflictRevision: null, editedAt: Number.NEGATIVE_INFINITY };
    }
  }
}

/** Milliseconds until the next save should start, or null when none is due. */
export function saveDelay(state: AutosaveState, now: number): number | null {
  if (state.status === 'dirty') return Math.max(0, state.editedAt + SAVE_DEBOUNCE_MS - now);
  if (state.status === 'error' && state.retryable && state.localVersion > state.savedVersion) {
    const backoff = Math.min(MAX_RETRY_MS, 1_000 * 2 ** Math.max(0, state.failures - 1));
    return Math.max(0, state.failedAt + backoff - now);
  }
  return null;
}

export function hasUnsavedChanges(state: AutosaveState): boolean {
  return state.localVersion > state.savedVersion;
}

/** One line for the toolbar. */
export function describeSave(state: AutosaveState): string {
  switch (state.status) {
    case 'saved':
      return 'All changes saved';
    case 'dirty':
      return 'Unsaved changes…';
    case 'saving':
      return 'Saving…';
    case 'conflict':
      return 'Changed elsewhere: choose which copy to keep';
    case 'error':
      return state.retryable ? `Not saved: ${state.error ?? 'error'}; retrying` : `Not saved: ${state.error ?? 'error'}`;
  }
}
