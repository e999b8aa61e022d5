import { describe, expect, it } from 'vitest';
import {
  type AutosaveEvent,
  type AutosaveState,
  autosaveReducer,
  describeSave,
  hasUnsavedChanges,
  initialAutosave,
  SAVE_DEBOUNCE_MS,
  saveDelay,
} from './autosave';

const run = (state: AutosaveState, ...events: AutosaveEvent[]) => events.reduce(autosaveReducer, state);

describe('autosave', () => {
  it('saves after the debounce and settles', () => {
    let s = initialAutosave(3);
    expect(saveDelay(s, 0)).toBeNull();
    s = run(s, { type: 'edited', at: 1_000 });
    expect(s.status).toBe('dirty');
    expect(hasUnsavedChanges(s)).toBe(true);
    expect(saveDelay(s, 1_200)).toBe(SAVE_DEBOUNCE_MS - 200);
    expect(saveDelay(s, 5_000)).toBe(0);
    s = run(s, { type: 'saveStarted' });
    expect(s.status).toBe('saving');
    expect(saveDelay(s, 5_000)).toBeNull();
    s = run(s, { type: 'saveSucceeded', revision: 4 });
    expect(s).toMatchObject({ status: 'saved', revision: 4, savedVersion: 1 });
    expect(hasUnsavedChanges(s)).toBe(false);
    expect(describeSave(s)).toBe('All changes saved');
  });

  it('keeps edits made during a save dirty', () => {
    const s = run(
      initialAutosave(0),
      { type: 'edited', at: 0 },
      { type: 'saveStarted' },
      { type: 'edited', at: 100 },
      { type: 'saveSucceeded', revision: 1 },
    );
    expect(s).toMatchObject({ status: 'dirty', revision: 1, savedVersion: 1, localVersion: 2 });
    expect(saveDelay(s, 100)).toBe(SAVE_DEBOUNCE_MS);
  });

  it('ignores a save start with nothing to save, and a success without a save', () => {
    const s = initialAutosave(0);
    expect(autosaveReducer(s, { type: 'saveStarted' })).toBe(s);
    expect(autosaveReducer(s, { type: 'saveSucceeded', revision: 9 })).toBe(s);
  });

  it('stops on a conflict until the person chooses', () => {
    let s = run(initialAutosave(2), { type: 'edited', at: 0 }, { type: 'saveStarted' });
    s = run(s, { type: 'saveConflicted', currentRevision: 5 });
    expect(s).toMatchObject({ status: 'conflict', conflictRevision: 5 });
    s = run(s, { type: 'edited', at: 10 }, { type: 'saveStarted' });
    expect(s.status).toBe('conflict');
    expect(saveDelay(s, 10_000)).toBeNull();

    const mine = run(s, { type: 'keepMine', revision: 5 });
    expect(mine).toMatchObject({ status: 'dirty', revision: 5, conflictRevision: null });
    expect(saveDelay(mine, 0)).toBe(0);

    const theirs = run(s, { type: 'reloaded', revision: 5 });
    expect(theirs).toMatchObject({ status: 'saved', revision: 5 });
    expect(hasUnsavedChanges(theirs)).toBe(false);
  });

  it('retries failures with backoff, and waits for an edit after a rejection', () => {
    let s = run(initialAutosave(0), { type: 'edited', at: 0 }, { type: 'saveStarted' });
    s = run(s, { type: 'saveFailed', message: 'offline', at: 1_000, retryable: true });
    expect(s.status).toBe('error');
    expect(saveDelay(s, 1_000)).toBe(1_000);
    s = run(s, { type: 'saveStarted' }, { type: 'saveFailed', message: 'offline', at: 3_000, retryable: true });
    expect(saveDelay(s, 3_000)).toBe(2_000);
    expect(describeSave(s)).toMatch(/retrying/);

    let rejected = run(
      initialAutosave(0),
      { type: 'edited', at: 0 },
      { type: 'saveStarted' },
      { type: 'saveFailed', message: 'invalid node id', at: 0, retryable: false },
    );
    expect(saveDelay(rejected, 100_000)).toBeNull();
    rejected = run(rejected, { type: 'edited', at: 200 });
    expect(rejected.status).toBe('dirty');
    expect(saveDelay(rejected, 200)).toBe(SAVE_DEBOUNCE_MS);
  });
});
