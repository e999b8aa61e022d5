import { appExists, createBulkJob, type BulkJobSpec, findApiTokenName, scenarioExists } from '@weft/db';
import { TRPCError } from '@trpc/server';
import type { Context } from '../trpc.js';
import type { ObjectId } from '../ids.js';
import { bulkJobView } from './views.js';

type Scoped = Context & { workspaceId: ObjectId; tokenId: ObjectId };

/** Queues a bulk job for the workspace, named after the API token that asked for it; a worker takes it from there. */
export async function queueBulkJob(ctx: Scoped, spec: BulkJobSpec) {
  const { models } = ctx.deps.database;
  const reference =
    spec.kind === 'replay'
      ? spec.filter.scenarioId && { kind: 'scenario', id: spec.filter.scenarioId, exists: scenarioExists }
      : spec.filter.appId && { kind: 'app', id: spec.filter.appId, exists: appExists };
  if (reference) {
    const exists = await reference.exists(models, ctx.workspaceId, reference.id);
    if (!exists) {
      throw new TRPCError({
        code: 'NOT_FOUND',
        message: `filter.${reference.kind}Id: no ${reference.kind} with the id "${reference.id}" in this workspace`,
      });
    }
  }
  const token = await findApiTokenName(models, ctx.tokenId);
  const job = await createBulkJob(
    models,
    { workspaceId: ctx.workspaceId, spec, createdBy: token?.name ?? 'API token' },
    ctx.deps.clock(),
  );
  ctx.deps.logger.info({ bulkJobId: job._id.toHexString(), kind: spec.kind }, 'bulk job queued');
  return bulkJobView(job);
}
