import type { toObjectId } from '@weft/db';

/** mongoose's ObjectId, named through @weft/db. */
export type ObjectId = ReturnType<typeof toObjectId>;

const OBJECT_ID = /^[0-9a-f]{24}$/;

export function isObjectIdString(value: string): boolean {
  return OBJECT_ID.test(value);
}
