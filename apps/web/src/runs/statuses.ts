/**
 * Run status lists the pages need at run time, kept here so that pages without an editor do not
 * load `@weft/core` (its registry, zod and JSONata). Typed against core's types, and a test
 * checks they equal core's lists.
 */
import type { RunStatus } from '@weft/core';

export const RUN_STATUS_LIST = [
  'queued',
  'running',
  'waiting',
  'succeeded',
  'failed',
  'dead',
  'cancelled',
] as const satisfies readonly RunStatus[];

export const FINAL_STATUS_LIST = ['succeeded', 'failed', 'dead', 'cancelled'] as const satisfies readonly RunStatus[];
