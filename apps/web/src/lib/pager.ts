/**
 * Keyset pagination as a stack of cursors: page 1 has no cursor, "older" pushes the page's
 * `nextCursor`, "newer" pops. Filters changing resets to page 1.
 */
import { useCallback, useState } from 'react';

export interface PagerState {
  readonly cursors: readonly (string | null)[];
}

export const firstPage: PagerState = { cursors: [null] };

export function currentCursor(state: PagerState): string | null {
  return state.cursors.at(-1) ?? null;
}

export function pageNumber(state: PagerState): number {
  return state.cursors.length;
}

export function older(state: PagerState, nextCursor: string | null | undefined): PagerState {
  return nextCursor ? { cursors: [...state.cursors, nextCursor] } : state;
}

export function newer(state: PagerState): PagerState {
  return state.cursors.length > 1 ? { cursors: state.cursors.slice(0, -1) } : state;
}

/** The pager, reset whenever `resetKey` (the filters) changes. */
export function useCursorPager(resetKey: string) {
  const [state, setState] = useState<{ key: string; pager: PagerState }>({ key: resetKey, pager: firstPage });
  const pager = state.key === resetKey ? state.pager : firstPage;
  const goOlder = useCallback(
    (nextCursor: string | null | undefined) => setState({ key: resetKey, pager: older(pager, nextCursor) }),
    [pager, resetKey],
  );
  const goNewer = useCallback(() => setState({ key: resetKey, pager: newer(pager) }), [pager, resetKey]);
  return { cursor: currentCursor(pager), page: pageNumber(pager), goOlder, goNewer };
}
