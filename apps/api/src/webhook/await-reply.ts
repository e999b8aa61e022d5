import { encodeWebhookReply, FINAL_RUN_STATUSES, firstWebhookReply } from '@weft/core';
import {
  type DeliveryReplyDoc,
  type DeliveryReplyFrom,
  findRunReplyState,
  saveDeliveryReply,
} from '@weft/db';
import type { ApiDeps } from '../deps.js';
import type { ObjectId } from '../ids.js';
import type { RunChangeEvent } from '../run-events.js';

/** Between run events the run is also read this often: a change the watcher misses still counts. */
const RECHECK_MS = 1_000;

export interface AwaitReplyInput {
  readonly workspaceId: ObjectId;
  /** The stored delivery (its `_id`). */
  readonly deliveryId: ObjectId;
  readonly replyFrom: DeliveryReplyFrom;
  /** Stops waiting (the caller hung up). */
  readonly signal: AbortSignal;
}

/**
 * Holds a webhook's answer until the run that answers it reaches a `webhook.respond` node, at most
 * `replyFrom.timeoutMs`. The reply travels through the database: the runner stores the respond
 * step (a step with an effect is written at once), the api hears of it through its one run
 * watcher (`RunEvents`) and reads the step's output. The reply is kept on the delivery (first one
 * wins), so a retry of the delivery gets the same answer. Null: the run ended, or the time ran out,
 * without a reply; the caller then gets 202 as usual and the run goes on.
 */
export async function awaitDeliveryReply(
  deps: ApiDeps,
  input: AwaitReplyInput,
): Promise<DeliveryReplyDoc | null> {
  const { replyFrom, signal } = input;
  const deadline = Date.now() + replyFrom.timeoutMs;
  const feed = await deps.runEvents.subscribe({
    workspaceId: input.workspaceId.toHexString(),
    runId: replyFrom.runId.toHexString(),
  });
  const events = feed[Symbol.asyncIterator]();
  let nextEvent: Promise<IteratorResult<RunChangeEvent>> | null = null;
  const aborted = new Promise<'aborted'>((resolve) => {
    if (signal.aborted) resolve('aborted');
    signal.addEventListener('abort', () => resolve('aborted'), { once: true });
  });
  try {
    let look = true;
    while (!signal.aborted) {
      if (look) {
        const state = await findRunReplyState(
          deps.database.models,
          input.workspaceId,
          replyFrom.runId,
          replyFrom.nodeIds,
        );
        if (!state) return null;
        const found = firstWebhookReply(state.steps, replyFrom.nodeIds);
        if (found) {
          const encoded = encodeWebhookReply(found.reply);
          return await saveDeliveryReply(deps.database.models, input.deliveryId, {
            ...encoded,
            headers: { ...encoded.headers },
            runId: replyFrom.runId,
            nodeId: found.nodeId,
            repliedAt: deps.clock(),
          });
        }
        if ((FINAL_RUN_STATUSES as readonly string[]).includes(state.status)) return null;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) return null;
      nextEvent ??= events.next();
      let timer: NodeJS.Timeout | undefined;
      const tick = new Promise<'tick'>((resolve) => {
        timer = setTimeout(() => resolve('tick'), Math.min(remaining, RECHECK_MS));
      });
      const woke = await Promise.race([nextEvent, tick, aborted]);
      clearTimeout(timer);
      if (woke === 'aborted') return null;
      if (woke === 'tick') {
        look = true;
        continue;
      }
      nextEvent = null;
      if (woke.done) return null;
      // Only a settled reply node or a finished run is worth a read.
      look =
        (FINAL_RUN_STATUSES as readonly string[]).includes(woke.value.status) ||
        woke.value.steps.some(
          (step) => step.status === 'succeeded' && replyFrom.nodeIds.includes(step.nodeId),
        );
    }
    return null;
  } finally {
    feed.close();
  }
}
