import { type RunWaits, type WaitResolution, type WaitState, WeftError } from '@weft/core';
import {
  acceptWaitEvent,
  dismissWaitCandidates,
  listWaitCandidates,
  type Models,
  openRunWait,
  type RunDoc,
  type RunWaitDoc,
  timeOutRunWait,
  toObjectId,
} from '@weft/db';

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

/** Real waits for the steps of one run: wait records beside the run, deliveries offered to them (see packages/db run-waits). */
export function runWaitsFor(
  models: Models,
  run: Pick<RunDoc, '_id' | 'workspaceId' | 'scenarioId'>,
  nodeId: string,
  itemIndex?: number,
): RunWaits {
  return {
    async open(request) {
      try {
        const wait = await openRunWait(models, {
          run,
          nodeId,
          ...(itemIndex === undefined ? {} : { itemIndex }),
          kind: request.kind,
          expiresAt: request.expiresAt,
          ...(request.kind === 'approval' && request.message !== undefined
            ? { message: request.message }
            : {}),
          ...(request.kind === 'event'
            ? {
                event: {
                  appId: toObjectId(request.appId, 'appId'),
                  correlationKey: request.correlationKey,
                  deliveryKey: request.deliveryKey,
                  lookBackMs: request.lookBackMs,
                },
              }
            : {}),
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
    async candidates(waitId) {
      try {
        const found = await listWaitCandidates(models, waitId);
        return found.map((candidate) => ({ id: candidate.id.toHexString(), event: candidate.event }));
      } catch (error) {
        throw transient(error, `could not read the deliveries offered to node "${nodeId}"`);
      }
    },
    async accept(waitId, candidate) {
      try {
        return resolutionOf(await acceptWaitEvent(models, waitId, candidate.event))!;
      } catch (error) {
        throw transient(error, `could not end the wait of node "${nodeId}"`);
      }
    },
    async dismiss(waitId, ids) {
      try {
        await dismissWaitCandidates(
          models,
          waitId,
          ids.map((id) => toObjectId(id, 'deliveryId')),
        );
      } catch (error) {
        throw transient(error, `could not dismiss the deliveries offered to node "${nodeId}"`);
      }
    },
  };
}
