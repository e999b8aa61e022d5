import type { LogLevel } from '@weft/core';
import type { Types } from 'mongoose';
import { newObjectId } from '../ids.js';
import type { Models, RunLogDoc } from '../models.js';

export type NewRunLog = Omit<RunLogDoc, '_id'>;

/** Appends log lines in one round trip; a batch is written in order of its timestamps. */
export async function appendRunLogs(models: Models, lines: readonly NewRunLog[]): Promise<void> {
  if (lines.length === 0) return;
  await models.RunLog.collection.insertMany(
    lines.map((line) => ({ _id: newObjectId(), ...line })),
    { ordered: false },
  );
}

export function listRunLogs(
  models: Models,
  query: {
    workspaceId: Types.ObjectId;
    runId: Types.ObjectId;
    nodeId?: string;
    level?: LogLevel;
    limit: number;
  },
) {
  return models.RunLog.find({
    workspaceId: query.workspaceId,
    runId: query.runId,
    ...(query.nodeId ? { nodeId: query.nodeId } : {}),
    ...(query.level ? { level: query.level } : {}),
  })
    .sort({ ts: 1, _id: 1 })
    .limit(query.limit)
    .lean<RunLogDoc[]>()
    .exec();
}
