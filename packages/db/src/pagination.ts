import { Types } from 'mongoose';

/** A position in a list sorted by (time desc, _id desc): stable under inserts, unlike skip/limit. */
export interface Cursor {
  readonly time: Date;
  readonly id: Types.ObjectId;
}

export class InvalidCursorError extends Error {
  constructor() {
    super('cursor is malformed; pass back the nextCursor of the previous page unchanged');
  }
}

export function encodeCursor(time: Date, id: Types.ObjectId): string {
  return Buffer.from(`${time.getTime()}:${id.toHexString()}`).toString('base64url');
}

export function decodeCursor(cursor: string): Cursor {
  const [ms, hex, extra] = Buffer.from(cursor, 'base64url').toString().split(':');
  if (extra !== undefined || !ms || !/^\d+$/.test(ms) || !hex || !/^[0-9a-f]{24}$/.test(hex))
    throw new InvalidCursorError();
  return { time: new Date(Number(ms)), id: new Types.ObjectId(hex) };
}

/** The filter for the items after `cursor` in (field desc, _id desc) order. */
export function afterCursor(field: string, cursor: string | null | undefined): Record<string, unknown> {
  if (!cursor) return {};
  const { time, id } = decodeCursor(cursor);
  return { $or: [{ [field]: { $lt: time } }, { [field]: time, _id: { $lt: id } }] };
}

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

/** Fetch `limit + 1` items, then call this: the extra item only says whether there is a next page. */
export function toPage<T extends { _id: Types.ObjectId }>(
  rows: T[],
  limit: number,
  timeOf: (row: T) => Date,
): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(timeOf(last), last._id) : null };
}
