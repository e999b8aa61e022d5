import {
  createFailureHandlerRun,
  type Database,
  newObjectId,
  type RunDoc,
  type ScenarioVersionDoc,
  scheduleRun,
} from '@weft/db';
import type { Agenda } from 'agenda';
import type { Types } from 'mongoose';
import type { Logger } from 'pino';
import { failureHandlersTotal } from '../observability/metrics.js';

/**
 * The failure handler a run that ends failed or dead starts: its version's `onFailure`, with the
 * handler run's id chosen now (it is written with the final state, see `finishRun`). A handler
 * run's own failure starts nothing, so handlers never chain.
 */
export function failureHandlerOf(
  run: Pick<RunDoc, 'trigger'>,
  version: Pick<ScenarioVersionDoc, 'onFailure'>,
): { scenarioId: Types.ObjectId; runId: Types.ObjectId } | undefined {
  if (run.trigger.kind === 'failure' || !version.onFailure) return undefined;
  return { scenarioId: version.onFailure, runId: newObjectId() };
}

/**
 * Creates the pending handler run of a final run and enqueues it. Failing here loses nothing: the
 * run keeps `failureHandler.pending` and the sweep creates the handler later.
 */
export async function startFailureHandler(
  deps: { readonly db: Database; readonly queue: Agenda },
  runId: Types.ObjectId,
  log: Logger,
): Promise<void> {
  try {
    const result = await createFailureHandlerRun(deps.db.models, runId);
    if (result.status === 'created') {
      failureHandlersTotal.inc({ result: 'created' });
      await scheduleRun(deps.queue, result.runId.toHexString());
      log.info({ failureHandlerRunId: result.runId.toHexString() }, 'failure handler run created');
    } else if (result.status === 'not_started') {
      failureHandlersTotal.inc({ result: 'not_started' });
      log.warn({ reason: result.reason }, 'failure handler not started');
    }
  } catch (error) {
    log.warn({ err: error }, 'could not create the failure handler run yet; the sweep will');
  }
}
