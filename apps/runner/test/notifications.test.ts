import type { JobNotification } from 'agenda';
import { describe, expect, it } from 'vitest';
import { coalesce } from '../src/claiming/notifications.js';

const note = (jobName: string, nextRunAt: Date | null, jobId = 'j'): JobNotification => ({
  jobId: jobId as JobNotification['jobId'],
  jobName,
  nextRunAt,
  priority: 0,
  timestamp: new Date(),
});

describe('coalesced job notifications', () => {
  it('passes the first at once, one for a burst after the window (the earliest due), and each job name apart', async () => {
    const seen: JobNotification[] = [];
    const handler = coalesce((n) => {
      seen.push(n);
    }, 30);
    const now = Date.now();
    handler(note('run.execute', new Date(now), 'first'));
    expect(seen.map((n) => n.jobId)).toEqual(['first']);
    handler(note('run.execute', new Date(now + 60_000), 'later'));
    handler(note('run.execute', new Date(now + 1), 'due'));
    handler(note('run.execute', new Date(now + 30_000), 'other-later'));
    handler(note('runner.sweep', new Date(now), 'sweep'));
    expect(seen.map((n) => n.jobId)).toEqual(['first', 'sweep']);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(seen.map((n) => n.jobId)).toEqual(['first', 'sweep', 'due']);
    await new Promise((resolve) => setTimeout(resolve, 80));
    // Quiet again: the next one passes at once.
    handler(note('run.execute', new Date(), 'next'));
    expect(seen.map((n) => n.jobId)).toEqual(['first', 'sweep', 'due', 'next']);
  });
});
