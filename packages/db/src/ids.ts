import { Types } from 'mongoose';

export class InvalidIdError extends Error {
  constructor(
    readonly field: string,
    readonly value: string,
  ) {
    super(`${field} "${value}" is not a valid id`);
  }
}

/** Parses an id from the outside world; a malformed one is a specific error, not a cast exception. */
export function toObjectId(value: string | Types.ObjectId, field = 'id'): Types.ObjectId {
  if (value instanceof Types.ObjectId) return value;
  if (!Types.ObjectId.isValid(value) || !/^[0-9a-f]{24}$/i.test(value))
    throw new InvalidIdError(field, value);
  return new Types.ObjectId(value);
}

export function newObjectId(): Types.ObjectId {
  return new Types.ObjectId();
}

export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}
