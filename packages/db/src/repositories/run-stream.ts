import type { ChangeStream, ChangeStreamOptions, Document } from 'mongodb';
import type { Models } from '../models.js';

/** Change-stream pipeline on `runs`: inserts only, and of each only what a runner needs to claim. */
export const RUN_INSERTS_PIPELINE = [
  { $match: { operationType: 'insert' } },
  {
    $project: {
      operationType: 1,
      'fullDocument._id': 1,
      'fullDocument.status': 1,
      'fullDocument.workspaceId': 1,
      'fullDocument.waitingFor': 1,
      // A waiting run goes to the flow admitter, which needs its group.
      'fullDocument.scenarioId': 1,
      'fullDocument.flow': 1,
    },
  },
] as const;

/**
 * A change stream on the runs collection (all workspaces: the watcher filters its events by
 * workspace, or claims them for the workspace they name).
 */
export type RunChangeStream = ChangeStream;

export function watchRuns(
  models: Models,
  pipeline: readonly Document[],
  options: ChangeStreamOptions = {},
): RunChangeStream {
  return models.Run.collection.watch([...pipeline], options);
}
