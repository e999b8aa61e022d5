import { type RunWaits, type WaitResolution, type WaitState, WeftError } from '@weft/core';
import { type Models, openRunWait, type RunDoc, type RunWaitDoc, timeOutRunWait } from '@weft/db';

/** Database trouble is worth another attempt of the step (the wait's id keeps it one wait). */
function transient(error: unknown, what: string): WeftError {
  return new WeftError('network', `${what}: ${(error as Error).message}`, { retryable: true, cause: error });
}

function resolutionOf(wait: RunWaitDoc): WaitResolution | null {
  if (!wait.resolvedAt || !wait.resolution) return null;
  return { ...wait.resolution, resolvedAt: wait.resolvedAt.toISOString() };
}

function stateOf(wait: RunWaitDoc): WaitState {
  return { waitId: wait._id, expiresAt: wait.expiresAt, resolution: resolutionOf(wait) };
}

/** Real waits for the steps of one run: wait records beside the run (see packages/db run-waits). */
export function runWaitsFor(
  models: Models,
  run: Pick<RunDoc, '_id' | 'workspaceId' | 'scenarioId'>,
  nodeId: string,
  itemIndex?: number,
): RunWaits {
  return {
    async open({ kind, expiresAt, message }) {
      try {
        const wait = await openRunWait(models, {
          run,
          nodeId,
          ...(itemIndex === undefined ? {} : { itemIndex }),
          kind,
          expiresAt,
          ...(message === undefined ? {} : { message }),
        });
        return stateOf(wait);
      } catch (error) {
        throw transient(error, `could not store the wait of node "${nodeId}"`);
      }
    },
    async timeOut(waitId) {
      try {
        return resolutionOf(await timeOutRunWait(models, waitId))!;
      } catch (error) {
        throw transient(error, `could not end the wait of node "${nodeId}"`);
      }
    },
  };
}
