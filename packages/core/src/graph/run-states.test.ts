import { describe, expect, it } from 'vitest';
import { createRunStates, isRunComplete, isSettled } from './run-states.js';

describe('run states', () => {
  it('start pending for every node, keeping known states of a resumed run', () => {
    const states = createRunStates({ nodeIds: ['hook', 'a', 'b'] }, [
      ['hook', { status: 'succeeded' }],
      ['deleted', { status: 'succeeded' }],
    ]);
    expect([...states]).toEqual([
      ['hook', { status: 'succeeded' }],
      ['a', { status: 'pending' }],
      ['b', { status: 'pending' }],
    ]);
  });

  it('settle on success, failure and skip', () => {
    expect(
      ['pending', 'running', 'succeeded', 'failed', 'skipped'].map((s) => isSettled(s as never)),
    ).toEqual([false, false, true, true, true]);
  });

  it('complete a run when nothing is pending or running', () => {
    const states = createRunStates({ nodeIds: ['a', 'b'] });
    expect(isRunComplete(states)).toBe(false);
    states.set('a', { status: 'succeeded' });
    states.set('b', { status: 'running' });
    expect(isRunComplete(states)).toBe(false);
    states.set('b', { status: 'failed' });
    expect(isRunComplete(states)).toBe(true);
    expect(isRunComplete(new Map())).toBe(true);
  });
});
