import type { ChangeStream, ChangeStreamOptions, Document } from 'mongodb';
import type { Models } from '../models.js';

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
