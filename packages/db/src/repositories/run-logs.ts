import type { LogLevel } from '@weft/core';
import type { Types } from 'mongoose';
import { newObjectId } from '../ids.js';
import { decodeCursor, type Page, toPage } from '../pagination.js';
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

export interface ListRunLogsPageQuery {
  workspaceId: Types.ObjectId;
  runId: Types.ObjectId;
  nodeId?: string;
  level?: LogLevel;
  limit: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string | null;
}

/**
 * A run's log lines in order (oldest first), keyset-paginated by (ts, _id): lines appended while
 * a person pages through a live run show up on later pages, none twice. A malformed cursor throws
 * `InvalidCursorError`.
 */
export async function listRunLogsPage(models: Models, query: ListRunLogsPageQuery): Promise<Page<RunLogDoc>> {
  let after: Record<string, unknown> = {};
  if (query.cursor) {
    const { time, id } = decodeCursor(query.cursor);
    after = { $or: [{ ts: { $gt: time } }, { ts: time, _id: { $gt: id } }] };
  }
  const rows = await models.RunLog.find({
    workspaceId: query.workspaceId,
    runId: query.runId,
    ...(query.nodeId ? { nodeId: query.nodeId } : {}),
    ...(query.level ? { level: query.level } : {}),
    ...after,
  })
    .sort({ ts: 1, _id: 1 })
    .limit(query.limit + 1)
    .lean<RunLogDoc[]>()
    .exec();
  return toPage(rows, query.limit, (row) => row.ts);
}
