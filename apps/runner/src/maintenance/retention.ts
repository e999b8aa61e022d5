import { applyRetention, type Database, type RetentionPolicy, type RetentionReport } from '@weft/db';
import type { Logger } from 'pino';

/** The recurring Agenda job that prunes: Agenda's lock lets one runner at a time run it. */
export const RETENTION_JOB = 'runner.retention';

export interface RetentionJobOptions {
  readonly policy: RetentionPolicy;
  /** Stop starting batches after this long; the next run goes on where this one stopped. */
  readonly maxDurationMs: number;
}

/** One retention pass (the job's body): run logs, steps' outputs, finished jobs, scheduling state. */
export async function runRetention(
  deps: { readonly db: Database; readonly logger: Logger },
  options: RetentionJobOptions,
): Promise<RetentionReport> {
  const started = Date.now();
  const report = await applyRetention(deps.db.models, options.policy, {
    deadline: started + options.maxDurationMs,
  });
  const removed =
    report.runLogsDeleted +
    report.runsOutputsPruned +
    report.jobsDeleted +
    report.scheduleTicksDeleted +
    report.outboundLimitsDeleted +
    report.flowStateDeleted +
    report.bulkJobsDeleted;
  if (removed > 0 || report.incomplete)
    deps.logger.info({ ...report, durationMs: Date.now() - started }, 'retention pruned');
  return report;
}
