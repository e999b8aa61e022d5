import { describe, expect, it } from 'vitest';
import { currentCursor, firstPage, newer, older, pageNumber } from './pager';

describe('cursor pager', () => {
  it('walks older and newer pages', () => {
    let state = firstPage;
    expect(currentCursor(state)).toBeNull();
    state = older(state, 'c1');
    state = older(state, 'c2');
    expect(pageNumber(state)).toBe(3);
    expect(currentCursor(state)).toBe('c2');
    expect(older(state, null)).toBe(state);
    state = newer(state);
    expect(currentCursor(state)).toBe('c1');
    state = newer(newer(state));
    expect(state.cursors).toEqual([null]);
  });
});
