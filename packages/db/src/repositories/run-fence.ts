import type { Types } from 'mongoose';
import type { Models } from '../models.js';
import { LeaseLostError } from './run-life.js';

/**
 * Checks (and, with `leaseMs`, extends) this owner's lease on a running run before a write beside
 * it (loop items, pages): a runner that lost the run writes nothing and starts no further effect.
 */
export async function fenceRunLease(
  models: Models,
  runId: Types.ObjectId,
  owner: string,
  options: { readonly leaseMs?: number; readonly now?: Date } = {},
): Promise<Date> {
  const now = options.now ?? new Date();
  const lease =
    options.leaseMs === undefined ? {} : { leaseExpiresAt: new Date(now.getTime() + options.leaseMs) };
  const fenced = await models.Run.collection.updateOne(
    { _id: runId, status: 'running', leaseOwner: owner },
    { $set: { ...lease, updatedAt: now } },
  );
  if (fenced.matchedCount === 0) throw new LeaseLostError(runId.toHexString(), owner);
  return now;
}
