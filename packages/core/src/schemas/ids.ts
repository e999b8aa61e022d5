import { z } from 'zod';

/** MongoDB ObjectId as 24 hex characters: how every stored document is referenced across the API. */
export const objectIdSchema = z.string().regex(/^[0-9a-f]{24}$/, 'must be a 24-character hex id');

/**
 * Node ids are referenced from expressions as `nodes.<id>`, so they must be plain JSONata
 * path names: a letter or underscore, then letters, digits or underscores.
 */
export const nodeIdSchema = z
  .string()
  .min(1, 'node id is empty')
  .max(64, 'node id is longer than 64 characters')
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]*$/,
    'node id must start with a letter or _ and contain only letters, digits and _',
  );

export const edgeIdSchema = z
  .string()
  .min(1, 'edge id is empty')
  .max(128, 'edge id is longer than 128 characters');

export const handleIdSchema = z
  .string()
  .min(1, 'handle is empty')
  .max(64)
  .regex(/^[A-Za-z0-9_.-]+$/, 'handle may contain letters, digits, _, . and -');

/** App keys are URL slugs: they appear in `POST /webhook/:appKey`. */
export const appKeySchema = z
  .string()
  .min(2, 'app key needs at least 2 characters')
  .max(64, 'app key is longer than 64 characters')
  .regex(
    /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/,
    'app key may contain lowercase letters, digits and inner dashes',
  );
