/** Error class names of the MongoDB driver and mongoose that mean "the database cannot be reached". */
const UNAVAILABLE_NAMES = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
  'MongoPoolClosedError',
  'MongoWaitQueueTimeoutError',
  'MongoClientClosedError',
  'DisconnectedError',
]);

/** Labels the driver puts on errors that a retry of the operation may not meet again. */
const RETRYABLE_LABELS = ['RetryableWriteError', 'TransientTransactionError', 'ResetPool'];

const UNAVAILABLE_MESSAGES = [
  /buffering timed out/i,
  /connection .*(closed|was force closed)/i,
  /client must be connected/i,
  /topology (is )?(closed|destroyed)/i,
  /server selection timed out/i,
  /ECONNREFUSED|ECONNRESET|EPIPE/,
];

/**
 * Whether an error means the database is unreachable (as opposed to a bug or bad data): the
 * driver's connection and server-selection errors, an error the driver labels retryable,
 * mongoose's buffering timeout, or any of those as the `cause` of another error. Such an error is
 * worth trying again later; any other error of the database (a rejected document, a duplicate
 * key) recurs on every attempt.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth += 1) {
    const { name, message } = current as { name?: unknown; message?: unknown };
    if (typeof name === 'string' && UNAVAILABLE_NAMES.has(name)) return true;
    const { errorLabels } = current as { errorLabels?: unknown };
    if (Array.isArray(errorLabels) && RETRYABLE_LABELS.some((label) => errorLabels.includes(label))) return true;
    if (
      typeof name === 'string' &&
      /^Mongo|^Mongoose/.test(name) &&
      typeof message === 'string' &&
      UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message))
    ) {
      return true;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
