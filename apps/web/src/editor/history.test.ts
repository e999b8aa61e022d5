import { describe, expect, it } from 'vitest';
import { canRedo, canUndo, commit, createHistory, redo, undo } from './history';

describe('history', () => {
  it('undoes and redoes', () => {
    let h = createHistory('a');
    h = commit(h, 'b', { at: 1 });
    h = commit(h, 'c', { at: 2 });
    expect(canUndo(h)).toBe(true);
    h = undo(h);
    expect(h.present).toBe('b');
    h = undo(h);
    expect(h.present).toBe('a');
    expect(canUndo(h)).toBe(false);
    expect(undo(h)).toBe(h);
    h = redo(h);
    expect(h.present).toBe('b');
    expect(canRedo(h)).toBe(true);
    h = commit(h, 'x', { at: 3 });
    expect(canRedo(h)).toBe(false);
    expect(h.past).toEqual(['a', 'b']);
  });

  it('coalesces commits of one key close together', () => {
    let h = createHistory('');
    h = commit(h, 'h', { key: 'msg', at: 0 });
    h = commit(h, 'he', { key: 'msg', at: 300 });
    h = commit(h, 'hel', { key: 'msg', at: 600 });
    expect(h.past).toEqual(['']);
    h = commit(h, 'hell', { key: 'msg', at: 5_000 });
    expect(h.past).toEqual(['', 'hel']);
    h = commit(h, 'hello', { key: 'other', at: 5_100 });
    expect(h.past).toEqual(['', 'hel', 'hell']);
    expect(undo(h).present).toBe('hell');
  });

  it('does not coalesce after an undo', () => {
    let h = createHistory(0);
    h = commit(h, 1, { key: 'k', at: 0 });
    h = undo(h);
    h = commit(h, 2, { key: 'k', at: 10 });
    expect(h.past).toEqual([0]);
  });

  it('ignores a commit of the same value and keeps a bounded past', () => {
    let h = createHistory(0);
    expect(commit(h, 0)).toBe(h);
    for (let i = 1; i <= 10; i++) h = commit(h, i, { limit: 3, at: i });
    expect(h.past).toEqual([7, 8, 9]);
  });
});
