/**
 * What every card on the canvas reads: per-node and per-edge decorations in keyed stores (a status
 * change re-renders only the card it concerns), the catalog and app names, and the status marks.
 */
import { createContext, useContext, useSyncExternalStore } from 'react';
import type { CatalogEntry } from '../api/types';
import { createKeyedStore, type KeyedStore } from '../lib/store';

export interface NodeDecoration {
  /** Short problem messages. */
  readonly problems: readonly string[];
  /** Dry-run or run step status. */
  readonly status?: string;
  readonly attempts?: number;
  readonly durationMs?: number | null;
  readonly pinned?: boolean;
  /** Failed, and taken by the node's error path. */
  readonly handled?: boolean;
  /** Outputs edges still leave from that no longer exist (see `missingOutputs`). */
  readonly missingOutputs?: readonly string[];
}

export interface EdgeDecoration {
  readonly problem?: string;
  /** `active`: its source fired it in the run shown; `idle`: it did not. */
  readonly state?: 'active' | 'idle';
}

const sameJsonValue = <T,>(a: T, b: T) => JSON.stringify(a) === JSON.stringify(b);

export function createCanvasStores() {
  return {
    nodes: createKeyedStore<NodeDecoration>(sameJsonValue),
    edges: createKeyedStore<EdgeDecoration>(sameJsonValue),
  };
}

export interface CanvasContextValue {
  readonly nodes: KeyedStore<NodeDecoration>;
  readonly edges: KeyedStore<EdgeDecoration>;
  readonly catalog: ReadonlyMap<string, CatalogEntry>;
  readonly appName: (id: string) => string | undefined;
}

export const CanvasContext = createContext<CanvasContextValue | null>(null);

export function useCanvas(): CanvasContextValue {
  const value = useContext(CanvasContext);
  if (!value) throw new Error('CanvasContext is missing');
  return value;
}

export function useDecoration<V>(store: KeyedStore<V>, key: string): V | undefined {
  return useSyncExternalStore(
    (listener) => store.subscribe(key, listener),
    () => store.get(key),
  );
}

export const STATUS_LABEL: Record<string, string> = {
  succeeded: '✓',
  failed: '✕',
  dead: '✕',
  skipped: '–',
  running: '●',
  waiting: '…',
  pending: '○',
};
