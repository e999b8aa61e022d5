import { randomBytes } from 'node:crypto';
import { signatureConfigSchema } from '@weft/core';
import { newObjectId } from '@weft/db';
import type { ResolvedApp } from './app-lookup.js';

/** Known to nobody, this process's only: no request can be signed with it. */
export const DECOY_SECRET = randomBytes(32).toString('hex');
const DECOY_SIGNATURE = signatureConfigSchema.parse({ scheme: 'generic' });

/**
 * What a key that names no app is handled as: an app of the generic scheme whose secret nobody
 * knows. Its requests go the way of an app's (body read up to the same limit, the same HMAC work,
 * 401 with the verifier's reason; HEAD, OPTIONS and GET answered as for an app without a
 * handshake), so a stranger cannot tell a key in use from one that is not by status, body shape
 * or a skipped step. Nothing is stored, no bucket of any app is spent.
 */
export function decoyApp(key: string): ResolvedApp {
  // (An app without a webhook secret is checked against DECOY_SECRET as well: webhook/index.ts.)
  return {
    id: newObjectId(),
    workspaceId: newObjectId(),
    key,
    signature: DECOY_SIGNATURE,
    webhookSecret: DECOY_SECRET,
    connectionDisabled: false,
    searchKeys: [],
  };
}
