import type { DeliveryReplyDoc } from '@weft/db';
import type { Response } from 'express';
import type { Logger } from 'pino';
import type { ApiDeps } from '../deps.js';
import type { ObjectId } from '../ids.js';
import { awaitDeliveryReply } from './await-reply.js';
import type { IngestResult } from './ingest.js';

interface AnswerLocals {
  webhookOutcome?: string;
  webhookRunCount?: number;
}

function sendReply(res: Response, reply: DeliveryReplyDoc): void {
  res.status(reply.status).set(reply.headers).send(reply.body);
}

/**
 * The answer to a stored webhook: 202 `{ deliveryId, runIds }` (200 `idempotent` for a retry), or,
 * when a run answers the delivery (respond: "node"), that run's reply: a retry gets the reply the
 * first delivery got, and waits for it (within the timeout) while there is none yet. The request
 * waits only after the delivery and its runs are stored: nothing accepted depends on the wait.
 */
export async function answerWebhook(
  deps: ApiDeps,
  workspaceId: ObjectId,
  result: IngestResult,
  res: Response,
  log: Logger,
): Promise<void> {
  const locals = res.locals as AnswerLocals;
  const { stored } = result;
  let reply = stored.reply;
  if (!reply && stored.replyFrom) {
    const hangUp = new AbortController();
    const onClose = () => hangUp.abort();
    res.once('close', onClose);
    try {
      reply = await awaitDeliveryReply(deps, {
        workspaceId,
        deliveryId: stored.id,
        replyFrom: stored.replyFrom,
        signal: hangUp.signal,
      });
    } catch (error) {
      // The delivery and its runs are stored: the caller learns that much (202), not a 5xx.
      log.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'waiting for the reply failed',
      );
    } finally {
      res.off('close', onClose);
    }
    if (!reply)
      log.info(
        { runId: stored.replyFrom.runId.toHexString() },
        'no reply from the run (it ended without one, or the time ran out): 202',
      );
  }
  if (result.idempotent) {
    log.info({ runIds: result.runIds }, 'webhook duplicate: answered with the original runs');
    if (reply) {
      locals.webhookOutcome = 'duplicate';
      sendReply(res, reply);
      return;
    }
    res.status(200).json({ idempotent: true, deliveryId: result.deliveryId, runIds: result.runIds });
    return;
  }
  locals.webhookRunCount = result.runIds.length;
  log.info({ runIds: result.runIds }, 'webhook accepted');
  if (reply) {
    locals.webhookOutcome = 'replied';
    log.info({ status: reply.status, nodeId: reply.nodeId }, 'webhook answered by its run');
    sendReply(res, reply);
    return;
  }
  res.status(202).json({ deliveryId: result.deliveryId, runIds: result.runIds });
}
