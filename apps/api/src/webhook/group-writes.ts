import {
  allOk,
  createRunGroups,
  GroupCommit,
  type InsertDeliveryResult,
  insertDeliveriesOnce,
  markDeliveriesDispatched,
  type NewDelivery,
  type NewRun,
  openEventWaitKeys,
} from '@weft/db';
import type { Types } from 'mongoose';
import type { ApiDeps } from '../deps.js';

/**
 * The webhook route's writes, each a group commit (packages/db `GroupCommit`): concurrent webhooks
 * share one insert of deliveries, one insert of runs, one read of the event waits' key expressions
 * and one dispatch mark, instead of four round trips each. A webhook alone waits for nothing
 * extra: a write starts at once when none is under way. Each webhook still answers only after its
 * own delivery and runs are stored, with the same outcomes as single writes (a duplicate delivery
 * gets the stored original), and a document the database refuses fails only the webhook it
 * belongs to.
 */
export interface WebhookWrites {
  insertDelivery(delivery: NewDelivery): Promise<InsertDeliveryResult>;
  createRuns(runs: readonly NewRun[], now: Date): Promise<void>;
  /**
   * The key expressions of an app's open event waits, read after the call (a group read under way
   * when it is made is not joined): a delivery stored before the call is seen by every wait opened
   * after the read, and offered by this route to every wait the read finds.
   */
  eventWaitKeys(appId: Types.ObjectId): Promise<readonly string[]>;
  markDispatched(id: Types.ObjectId): Promise<void>;
}

const byDatabase = new WeakMap<object, WebhookWrites>();

export function webhookWrites(deps: Pick<ApiDeps, 'database' | 'clock'>): WebhookWrites {
  const existing = byDatabase.get(deps.database);
  if (existing) return existing;
  const { models } = deps.database;
  const deliveries = new GroupCommit<NewDelivery, InsertDeliveryResult>((items) =>
    insertDeliveriesOnce(models, items),
  );
  // Each webhook's runs keep the creation time it gave them, and succeed or fail on their own: a
  // run the database refuses fails its webhook only, not the others of the group.
  const runs = new GroupCommit<{ runs: readonly NewRun[]; now: Date }>(async (items) =>
    (await createRunGroups(models, items)).map((outcome) =>
      outcome.ok ? { ok: true as const, value: undefined } : outcome,
    ),
  );
  const marks = new GroupCommit<Types.ObjectId>(async (ids) => {
    await markDeliveriesDispatched(models, ids, deps.clock());
    return allOk(ids, undefined);
  });
  const waitKeys = new GroupCommit<Types.ObjectId, readonly string[]>(async (appIds) => {
    const keys = await openEventWaitKeys(models, [
      ...new Map(appIds.map((id) => [id.toHexString(), id])).values(),
    ]);
    return appIds.map((id) => ({ ok: true as const, value: keys.get(id.toHexString()) ?? [] }));
  });
  const writes: WebhookWrites = {
    insertDelivery: (delivery) => deliveries.submit(delivery),
    createRuns: async (list, now) => {
      if (list.length > 0) await runs.submit({ runs: list, now });
    },
    eventWaitKeys: (appId) => waitKeys.submit(appId),
    markDispatched: (id) => marks.submit(id),
  };
  byDatabase.set(deps.database, writes);
  return writes;
}
