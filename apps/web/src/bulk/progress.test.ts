import { describe, expect, it } from 'vitest';
import { bulkJobActive, bulkJobPercent, bulkJobSummary } from './progress';

const counts = { done: 6, skipped: 1, failed: 0 };

describe('bulk job progress', () => {
  it('is a share of the selected items once their number is known', () => {
    expect(bulkJobPercent({ status: 'running', total: 10, processed: 7, counts })).toBe(70);
    expect(bulkJobPercent({ status: 'queued', total: null, processed: 0, counts })).toBeNull();
    // Cancelled before it started: an empty bar, not an indeterminate one.
    expect(bulkJobPercent({ status: 'cancelled', total: null, processed: 0, counts })).toBe(0);
    expect(bulkJobPercent({ status: 'done', total: 0, processed: 0, counts })).toBe(100);
  });

  it('summarises the counts, leaving out the empty ones', () => {
    expect(bulkJobSummary({ status: 'running', total: 10, processed: 7, counts })).toBe(
      '7 of 10 · 6 done, 1 skipped',
    );
    expect(
      bulkJobSummary({
        status: 'queued',
        total: null,
        processed: 0,
        counts: { done: 0, skipped: 0, failed: 0 },
      }),
    ).toBe('waiting to start · 0 done');
  });

  it('says when a job ended before it started', () => {
    expect(
      bulkJobSummary({
        status: 'cancelled',
        total: null,
        processed: 0,
        counts: { done: 0, skipped: 0, failed: 0 },
      }),
    ).toBe('never started · 0 done');
  });

  it('is active while queued or running', () => {
    expect(bulkJobActive({ status: 'queued' })).toBe(true);
    expect(bulkJobActive({ status: 'running' })).toBe(true);
    expect(bulkJobActive({ status: 'cancelled' })).toBe(false);
    expect(bulkJobActive({ status: 'done' })).toBe(false);
  });
});
