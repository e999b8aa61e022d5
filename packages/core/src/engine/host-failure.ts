/**
 * A failure of the host (a step, loop item or page that could not be stored) inside a node's
 * execution: the engine rethrows its cause, so the run is handed back as after any failed write,
 * not failed.
 */
export class HostFailure extends Error {
  constructor(
    override readonly cause: unknown,
    what: string,
  ) {
    super(`${what} could not be stored`);
  }
}
