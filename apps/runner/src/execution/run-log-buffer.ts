import { type LogLevel, toJsonSafe } from '@weft/core';
import { allOk, appendRunLogs, GroupCommit, type Models, type NewRunLog } from '@weft/db';
import type { Logger } from 'pino';
import type { Types } from 'mongoose';

export interface RunLogContext {
  readonly workspaceId: Types.ObjectId;
  readonly runId: Types.ObjectId;
  readonly correlationId: string;
}

export interface RunLogLine {
  readonly nodeId: string | null;
  readonly attempt: number | null;
  readonly level: LogLevel;
  readonly message: string;
  readonly data?: unknown;
}

/** A stored log line also names the run's correlation id, so one query finds a whole flow's lines. */

/**
 * All runs of a process write their lines through one group commit: lines of runs settling at the
 * same time go to the database in one insert.
 */
const writers = new WeakMap<Models, GroupCommit<readonly NewRunLog[]>>();
function writerOf(models: Models): GroupCommit<readonly NewRunLog[]> {
  let writer = writers.get(models);
  if (!writer) {
    writer = new GroupCommit(async (batches) => {
      await appendRunLogs(models, batches.flat());
      return allOk(batches, undefined);
    });
    writers.set(models, writer);
  }
  return writer;
}

const MAX_MESSAGE = 4_000;

/**
 * A run's log lines: written to pino at once, and to `runLogs` in batches (one insert per
 * `flushEveryMs` or `maxBatch` lines, and when the run ends, shared with other runs' batches) so
 * logging costs no round trip per line. A failed write is reported to pino and dropped: logs never
 * fail a run.
 */
export class RunLogBuffer {
  private pending: NewRunLog[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly models: Models,
    private readonly context: RunLogContext,
    private readonly logger: Logger,
    private readonly options: { flushEveryMs?: number; maxBatch?: number } = {},
  ) {}

  add(line: RunLogLine): void {
    const data = line.data === undefined ? undefined : toJsonSafe(line.data);
    const message =
      line.message.length > MAX_MESSAGE ? `${line.message.slice(0, MAX_MESSAGE)}…` : line.message;
    this.logger[line.level](
      {
        runId: this.context.runId.toHexString(),
        correlationId: this.context.correlationId,
        nodeId: line.nodeId ?? undefined,
        attempt: line.attempt ?? undefined,
        ...(data === undefined ? {} : { data }),
      },
      message,
    );
    this.pending.push({
      workspaceId: this.context.workspaceId,
      runId: this.context.runId,
      correlationId: this.context.correlationId,
      nodeId: line.nodeId,
      attempt: line.attempt,
      level: line.level,
      message,
      ...(data === undefined ? {} : { data }),
      ts: new Date(),
    });
    if (this.pending.length >= (this.options.maxBatch ?? 100)) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.options.flushEveryMs ?? 250);
  }

  /** Writes what is pending; resolves when every line added so far has been written (or dropped). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) {
      this.writing = this.writing.then(() =>
        writerOf(this.models).submit(batch).catch((error: unknown) => {
          this.logger.error(
            { runId: this.context.runId.toHexString(), err: error, lines: batch.length },
            'could not store run log lines',
          );
        }),
      );
    }
    return this.writing;
  }
}
