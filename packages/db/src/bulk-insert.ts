/** One document's failure in an unordered `insertMany`, by its index in the inserted list. */
export interface InsertFailure {
  readonly code?: number;
  readonly error: unknown;
}

/**
 * The per-document failures of an unordered `insertMany` that ended in write errors, by index:
 * every document not named was stored. Null for any other error: the driver reports a lost
 * connection, a cleared pool or a command-level failure as a bulk write error too, with no write
 * errors and nothing known about what was stored. (The driver raises write errors of an unordered
 * insert only after every batch ran; a failure before that is thrown as it is.)
 */
export function insertFailures(error: unknown): Map<number, InsertFailure> | null {
  if (typeof error !== 'object' || error === null) return null;
  const { writeErrors, writeConcernError } = error as { writeErrors?: unknown; writeConcernError?: unknown };
  if (writeConcernError || !Array.isArray(writeErrors) || writeErrors.length === 0) return null;
  const failures = new Map<number, InsertFailure>();
  for (const writeError of writeErrors as { index?: number; code?: number }[]) {
    if (typeof writeError.index !== 'number') return null;
    failures.set(writeError.index, {
      ...(writeError.code === undefined ? {} : { code: writeError.code }),
      error: writeError,
    });
  }
  return failures;
}
