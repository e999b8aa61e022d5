import { describe, expect, it, vi } from 'vitest';
import { createKeyedStore } from './store';

describe('keyed store', () => {
  it('notifies only the keys that changed', () => {
    const store = createKeyedStore<string>();
    const a = vi.fn();
    const b = vi.fn();
    store.subscribe('a', a);
    const stopB = store.subscribe('b', b);
    store.replace(new Map([['a', 'x'], ['b', 'y']]));
    expect(a).toHaveBeenCalledTimes(1);
    expect(b).toHaveBeenCalledTimes(1);
    store.replace(new Map([['a', 'x'], ['b', 'z']]));
    expect(a).toHaveBeenCalledTimes(1);
    expect(b).toHaveBeenCalledTimes(2);
    store.replace(new Map([['b', 'z']]));
    expect(a).toHaveBeenCalledTimes(2);
    expect(store.get('a')).toBeUndefined();
    stopB();
    store.set('b', 'w');
    expect(b).toHaveBeenCalledTimes(2);
    expect(store.get('b')).toBe('w');
  });

  it('keeps the old value when an equal one arrives', () => {
    const store = createKeyedStore<{ n: number }>((x, y) => x.n === y.n);
    const first = { n: 1 };
    store.set('k', first);
    store.replace(new Map([['k', { n: 1 }]]));
    expect(store.get('k')).toBe(first);
  });
});

describe('value store', () => {
  it('notifies on change only', async () => {
    const { createValueStore } = await import('./store');
    const store = createValueStore(1);
    const listener = vi.fn();
    const stop = store.subscribe(listener);
    store.set(1);
    expect(listener).not.toHaveBeenCalled();
    store.set(2);
    expect(store.get()).toBe(2);
    expect(listener).toHaveBeenCalledTimes(1);
    stop();
    store.set(3);
    expect(listener).toHaveBeenCalledTimes(1);
  });
});
