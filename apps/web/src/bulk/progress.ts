import type { BulkJob } from '../api/types';

type Progress = Pick<BulkJob, 'status' | 'total' | 'processed' | 'counts'>;

export function bulkJobActive(job: Pick<BulkJob, 'status'>): boolean {
  return job.status === 'queued' || job.status === 'running';
}

/** How far the job is, 0–100; null while its size is not known yet (the bar is indeterminate). */
export function bulkJobPercent(job: Progress): number | null {
  if (job.total === null) return bulkJobActive(job) ? null : 0;
  if (job.total === 0) return 100;
  return Math.min(100, Math.round((job.processed / job.total) * 100));
}

/** "7 of 10 · 6 done, 1 skipped" */
export function bulkJobSummary(job: Progress): string {
  const parts = [`${job.counts.done} done`];
  if (job.counts.skipped > 0) parts.push(`${job.counts.skipped} skipped`);
  if (job.counts.failed > 0) parts.push(`${job.counts.failed} failed`);
  const of =
    job.total !== null
      ? `${job.processed} of ${job.total}`
      : bulkJobActive(job)
        ? 'waiting to start'
        : 'never started';
  return `${of} · ${parts.join(', ')}`;
}
