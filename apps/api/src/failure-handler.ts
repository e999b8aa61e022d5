import { findScenarioHead, findVersionTrigger, toObjectId } from '@weft/db';
import { TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import type { ObjectId } from './ids.js';
import type { Context } from './trpc.js';

type Scoped = Context & { workspaceId: ObjectId };

/**
 * Why `onFailure` cannot name this scenario, or null. On save the handler must exist in this
 * workspace, be another scenario, and (once published) have a manual trigger; publishing also
 * needs it published, since a run's handler is its current published version.
 */
export async function onFailureProblem(
  ctx: Scoped,
  scenarioId: string,
  handlerId: string,
  stage: 'save' | 'publish',
): Promise<string | null> {
  if (handlerId === scenarioId) return 'a scenario cannot be its own failure handler';
  const { models } = ctx.deps.database;
  const handler = await findScenarioHead(models, ctx.workspaceId, toObjectId(handlerId, 'onFailure'));
  if (!handler) return `no scenario with the id "${handlerId}" in this workspace`;
  if (!handler.publishedVersionId) {
    return stage === 'publish'
      ? `failure handler "${handler.name}" has never been published; publish it first`
      : null;
  }
  const version = await findVersionTrigger(models, ctx.workspaceId, handler.publishedVersionId);
  if (version && version.trigger.kind !== 'manual') {
    return `failure handler "${handler.name}" is started by a ${version.trigger.kind} trigger; a failure handler needs a manual trigger`;
  }
  return null;
}

/** BAD_REQUEST naming the field, with the field error in `data.zodError` like any invalid input. */
export function onFailureError(message: string): TRPCError {
  return new TRPCError({
    code: 'BAD_REQUEST',
    message: `onFailure: ${message}`,
    cause: new ZodError([{ code: 'custom', path: ['onFailure'], message, input: undefined }]),
  });
}
