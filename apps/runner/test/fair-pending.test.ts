import { describe, expect, it } from 'vitest';
import { FairPending } from '../src/claiming/fair-pending.js';

describe('FairPending', () => {
  it('hands out batches of each workspace in turn, oldest first within one', () => {
    const pending = new FairPending();
    for (let i = 0; i < 100; i++) pending.add('busy', `b${i}`);
    pending.add('quiet', 'q0');
    expect(pending.size).toBe(101);
    expect(pending.nextBatch(3)).toEqual({ workspaceId: 'busy', runIds: ['b0', 'b1', 'b2'] });
    expect(pending.nextBatch(3)).toEqual({ workspaceId: 'quiet', runIds: ['q0'] });
    expect(pending.nextBatch(3)).toEqual({ workspaceId: 'busy', runIds: ['b0', 'b1', 'b2'] });
  });

  it('a claimed or vanished run leaves; an empty workspace leaves the turns', () => {
    const pending = new FairPending();
    pending.add('a', 'a0');
    pending.add('a', 'a0');
    pending.add('b', 'b0');
    expect(pending.size).toBe(2);
    pending.delete('a', 'a0');
    expect(pending.size).toBe(1);
    expect(pending.nextBatch(5)).toEqual({ workspaceId: 'b', runIds: ['b0'] });
    expect(pending.nextBatch(5)).toEqual({ workspaceId: 'b', runIds: ['b0'] });
    pending.delete('b', 'b0');
    expect(pending.nextBatch(5).runIds).toEqual([]);
    expect(pending.size).toBe(0);
  });
});
