import { describe, expect, it } from 'vitest';
import { applyRunEvent, canCancel, isFinal, replayOptions, stepStates, toneOf } from './live';

const event = (status: 'running' | 'succeeded', at = 10) => ({
  runId: 'r1',
  scenarioId: 's',
  status,
  steps: [{ nodeId: 'a', status: 'succeeded' as const, attempts: 2 }],
  updatedAt: new Date(at),
});

describe('live runs', () => {
  it('patches the row of the run an event is about', () => {
    const rows = [
      { id: 'r1', status: 'queued' as const, extra: 1 },
      { id: 'r2', status: 'running' as const, extra: 2 },
    ];
    const result = applyRunEvent(rows, event('running'));
    expect(result.known).toBe(true);
    expect(result.changed).toBe(true);
    expect(result.items[0]).toEqual({ id: 'r1', status: 'running', extra: 1 });
    expect(result.items[1]).toBe(rows[1]);
    const unknown = applyRunEvent(rows, { ...event('running'), runId: 'r9' });
    expect(unknown).toMatchObject({ known: false, changed: false });
  });

  it('lets a newer event override fetched steps', () => {
    const steps = [
      { nodeId: 'a', status: 'running' as const, attempts: 1 },
      { nodeId: 'b', status: 'pending' as const, attempts: 0 },
    ];
    const merged = stepStates(steps, event('running', 20), new Date(10));
    expect(merged.get('a')).toEqual({ status: 'succeeded', attempts: 2 });
    expect(merged.get('b')?.status).toBe('pending');
    const stale = stepStates(steps, event('running', 5), new Date(10));
    expect(stale.get('a')?.status).toBe('running');
    expect(stepStates(steps, null, null).size).toBe(2);
  });

  it('knows final states, tones and what can be done', () => {
    expect(isFinal('dead')).toBe(true);
    expect(isFinal('waiting')).toBe(false);
    expect(toneOf('succeeded')).toBe('ok');
    expect(toneOf('dead')).toBe('bad');
    expect(toneOf('running')).toBe('active');
    expect(toneOf('queued')).toBe('waiting');
    expect(toneOf('skipped')).toBe('muted');
    expect(replayOptions('failed')).toEqual({ start: true, failure: true });
    expect(replayOptions('succeeded')).toEqual({ start: true, failure: false });
    expect(replayOptions('running')).toEqual({ start: false, failure: false });
    expect(canCancel('queued')).toBe(true);
    expect(canCancel('cancelled')).toBe(false);
  });
});
