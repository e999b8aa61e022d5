import { offerDeliveryToWaits } from '@weft/db';
import type { Logger } from 'pino';
import type { ApiDeps } from '../deps.js';
import type { ObjectId } from '../ids.js';
import { webhookWrites } from './group-writes.js';
import type { VerifiedDelivery } from './verified-delivery.js';

/**
 * Offers a stored delivery to the event waits (`wait.event`) of its app and wakes their runs.
 * Called once the delivery is stored (beside the creation of its runs) and before it is marked
 * dispatched: should this fail or the api die first, the delivery stays undispatched and the
 * runner's sweep offers it again.
 * Failures are logged, not thrown: the delivery is accepted either way. Whether it was offered.
 */
export async function offerToEventWaits(
  deps: ApiDeps,
  id: ObjectId,
  delivery: VerifiedDelivery,
  log: Logger,
): Promise<boolean> {
  try {
    const keyExpressions = await webhookWrites(deps).eventWaitKeys(delivery.app.id);
    const offered = await offerDeliveryToWaits(
      deps.database.models,
      deps.queue,
      {
        _id: id,
        workspaceId: delivery.app.workspaceId,
        appId: delivery.app.id,
        deliveryId: delivery.identity.deliveryId,
        headers: delivery.headers,
        contentType: delivery.contentType,
        ...delivery.stored,
        receivedAt: delivery.receivedAt,
      },
      keyExpressions,
    );
    if (offered > 0) log.info({ offered }, 'delivery offered to waiting runs');
    return true;
  } catch (error) {
    log.warn({ err: error }, 'could not offer the delivery to waiting runs; the sweeper will');
    return false;
  }
}
