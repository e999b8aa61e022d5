import { type Database, toObjectId } from '@weft/db';
import type { Types } from 'mongoose';

/** The flow-control phase's keys: runs spread over this many customers. */
export const FLOW_KEYS = 10;

/** The limited scenario's flow control: one run at a time per customer, in order. */
export const PER_CUSTOMER = { concurrency: { key: 'trigger.body.customer.id', limit: 1 } } as const;

/** A webhook body of the phase: customer `k<i mod FLOW_KEYS>`. */
export function flowBody(i: number): Buffer {
  return Buffer.from(JSON.stringify({ n: i, total: i % 100, customer: { id: `k${i % FLOW_KEYS}`, tier: 'gold' } }));
}

interface KeyedRun {
  _id: Types.ObjectId;
  createdAt: Date;
  startedAt?: Date | null;
  finishedAt?: Date | null;
  flow?: { concurrency?: { key: string } } | null;
}

/**
 * Runs of one key that broke the limit of 1: in creation order, a run that started before the one
 * created just before it finished (out of order, or at the same time). 0 means order was kept.
 */
export async function orderViolations(db: Database, ids: readonly string[]): Promise<number> {
  const runs: KeyedRun[] = [];
  for (let i = 0; i < ids.length; i += 1_000) {
    runs.push(
      ...(await db.models.Run.find(
        { _id: { $in: ids.slice(i, i + 1_000).map((id) => toObjectId(id)) } },
        { createdAt: 1, startedAt: 1, finishedAt: 1, 'flow.concurrency.key': 1 },
      )
        .lean<KeyedRun[]>()
        .exec()),
    );
  }
  const byKey = new Map<string, KeyedRun[]>();
  for (const run of runs) {
    const key = run.flow?.concurrency?.key ?? '';
    byKey.set(key, [...(byKey.get(key) ?? []), run]);
  }
  let violations = 0;
  for (const list of byKey.values()) {
    list.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a._id.toHexString().localeCompare(b._id.toHexString()));
    for (let i = 1; i < list.length; i++) {
      const started = list[i]!.startedAt?.getTime() ?? Number.NaN;
      const before = list[i - 1]!.finishedAt?.getTime() ?? Number.NaN;
      if (!(started >= before)) violations++;
    }
  }
  return violations;
}
