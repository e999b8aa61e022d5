import { childRunsToResume, resumeParentOf, resumeRunOfWait, type RunDoc, runWaitsToResume } from '@weft/db';
import type { Agenda } from 'agenda';
import type { Logger } from 'pino';
import type { Database } from '@weft/db';

export interface RunSettledDeps {
  readonly db: Database;
  readonly queue: Agenda;
}

/** How a run left this runner, as far as what follows it is concerned. */
export type SettledAs = 'finished' | 'waiting' | 'other';

/**
 * What follows a run's settling, beyond the run itself: a finished child of a scenario call
 * resumes its waiting parent; a parent that has just suspended resumes itself if a child ended
 * while it was still running, and so does a run whose wait (an approval) was resumed meanwhile
 * (neither side alone can see that moment). Failures here are logged,
 * not thrown: the run is settled, and the sweep repairs a missed resume.
 */
export async function afterRunSettled(
  deps: RunSettledDeps,
  run: Pick<RunDoc, '_id' | 'parent'>,
  settled: SettledAs,
  options: { readonly callsChildren: boolean; readonly waitsForResumes: boolean; readonly log: Logger },
): Promise<void> {
  const { models } = deps.db;
  try {
    if (settled === 'finished' && run.parent?.wait) {
      const result = await resumeParentOf(models, deps.queue, run);
      options.log.debug({ parentRunId: run.parent.runId.toHexString(), result }, 'parent of the called run');
    }
    if (settled === 'waiting' && options.callsChildren) {
      for (const child of await childRunsToResume(models, run._id)) {
        const result = await resumeParentOf(models, deps.queue, child);
        options.log.info(
          { childRunId: child._id.toHexString(), result },
          'a called run ended before this run suspended',
        );
      }
    }
    if (settled === 'waiting' && options.waitsForResumes) {
      for (const wait of await runWaitsToResume(models, run._id)) {
        const result = await resumeRunOfWait(models, deps.queue, wait);
        options.log.info({ waitId: wait._id, result }, 'a wait of this run was resumed before it suspended');
      }
    }
  } catch (error) {
    options.log.warn({ err: error }, 'could not resume the run waiting on this one; the sweep will');
  }
}
