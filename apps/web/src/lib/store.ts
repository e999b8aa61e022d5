/**
 * A tiny external store with per-key subscriptions, read through `useSyncExternalStore`. The
 * canvas keeps per-node decorations (problems, dry-run and run status) here so a change to one
 * node re-renders that node only, never the 300 others.
 */
export interface KeyedStore<V> {
  get(key: string): V | undefined;
  /** Replaces every entry; listeners of keys whose value changed (by `equals`) are called. */
  replace(entries: ReadonlyMap<string, V>): void;
  set(key: string, value: V | undefined): void;
  subscribe(key: string, listener: () => void): () => void;
}

export function createKeyedStore<V>(equals: (a: V, b: V) => boolean = Object.is): KeyedStore<V> {
  let values = new Map<string, V>();
  const listeners = new Map<string, Set<() => void>>();
  const notify = (key: string) => {
    for (const listener of listeners.get(key) ?? []) listener();
  };
  const differs = (a: V | undefined, b: V | undefined) =>
    a === undefined || b === undefined ? a !== b : !equals(a, b);
  return {
    get: (key) => values.get(key),
    replace(entries) {
      const previous = values;
      const next = new Map<string, V>();
      const changed: string[] = [];
      for (const [key, value] of entries) {
        const old = previous.get(key);
        next.set(key, old !== undefined && !differs(old, value) ? old : value);
        if (differs(old, value)) changed.push(key);
      }
      for (const key of previous.keys()) if (!entries.has(key)) changed.push(key);
      values = next;
      for (const key of changed) notify(key);
    },
    set(key, value) {
      const old = values.get(key);
      if (!differs(old, value)) return;
      if (value === undefined) values.delete(key);
      else values.set(key, value);
      notify(key);
    },
    subscribe(key, listener) {
      let set = listeners.get(key);
      if (!set) {
        set = new Set();
        listeners.set(key, set);
      }
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(key);
      };
    },
  };
}

/** One value with subscribers, read through `useSyncExternalStore` by the one component that renders it. */
export interface ValueStore<T> {
  get(): T;
  set(value: T): void;
  subscribe(listener: () => void): () => void;
}

export function createValueStore<T>(initial: T): ValueStore<T> {
  let value = initial;
  const listeners = new Set<() => void>();
  return {
    get: () => value,
    set(next) {
      if (Object.is(next, value)) return;
      value = next;
      for (const listener of [...listeners]) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
