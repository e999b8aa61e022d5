/**
 * The OAuth2 part of the connection form: what a person types, turned into the api's input and
 * checked with core's own schema, so a missing client id is named before anything is sent.
 */
import { OAUTH2_CLIENT_SECRET, type OAuth2ConfigInput, oauth2ConfigSchema } from '@weft/core';
import type { Connection } from '../api/types';

/** The fields of the form a problem can be shown at (server issues arrive as `oauth2.<field>`). */
export const OAUTH2_FIELDS = [
  'grant',
  'clientId',
  'clientSecret',
  'tokenUrl',
  'authorizeUrl',
  'scopes',
  'audience',
  'refreshAheadSec',
  'expiredWhen',
] as const;

export type OAuth2Choice = 'none' | 'client_credentials' | 'authorization_code';

export interface OAuth2Form {
  readonly grant: OAuth2Choice;
  readonly clientId: string;
  /** Write-only: sent as `secrets.clientSecret`, never shown again. */
  readonly clientSecret: string;
  readonly tokenUrl: string;
  readonly authorizeUrl: string;
  /** Space or comma separated. */
  readonly scopes: string;
  readonly audience: string;
  readonly clientAuth: 'basic' | 'post';
  readonly refreshAheadSec: string;
  readonly expiredWhen: string;
}

export function oauth2FormOf(connection?: Connection): OAuth2Form {
  const config = connection?.oauth2?.config;
  return {
    grant: config?.grant ?? 'none',
    clientId: config?.clientId ?? '',
    clientSecret: '',
    tokenUrl: config?.tokenUrl ?? '',
    authorizeUrl: config?.authorizeUrl ?? '',
    scopes: config?.scopes.join(' ') ?? '',
    audience: config?.audience ?? '',
    clientAuth: config?.clientAuth ?? 'basic',
    refreshAheadSec: String(config?.refreshAheadSec ?? 60),
    expiredWhen: config?.expiredWhen ?? '',
  };
}

/** The `oauth2` input of `connections.create`/`update`; null when the form chose no OAuth2. */
export function oauth2InputOf(form: OAuth2Form): OAuth2ConfigInput | null {
  if (form.grant === 'none') return null;
  const scopes = form.scopes.split(/[\s,]+/).filter(Boolean);
  const refreshAhead = form.refreshAheadSec.trim() === '' ? undefined : Number(form.refreshAheadSec);
  return {
    grant: form.grant,
    clientId: form.clientId,
    tokenUrl: form.tokenUrl.trim(),
    ...(form.grant === 'authorization_code' && form.authorizeUrl.trim()
      ? { authorizeUrl: form.authorizeUrl.trim() }
      : {}),
    scopes,
    ...(form.audience.trim() ? { audience: form.audience.trim() } : {}),
    clientAuth: form.clientAuth,
    ...(refreshAhead === undefined ? {} : { refreshAheadSec: refreshAhead }),
    ...(form.expiredWhen.trim() ? { expiredWhen: form.expiredWhen.trim() } : {}),
  };
}

/**
 * What is wrong with the form, by field (`clientId`, `tokenUrl`, …, `clientSecret`), with core's
 * messages. `editing`: an existing connection, whose client secret is not part of this form (the
 * server says when it is missing).
 */
export function oauth2FormProblems(form: OAuth2Form, editing = false): Map<string, string> {
  const problems = new Map<string, string>();
  const input = oauth2InputOf(form);
  if (!input) return problems;
  const parsed = oauth2ConfigSchema.safeParse(input);
  for (const issue of parsed.error?.issues ?? []) {
    const field = String(issue.path[0] ?? 'grant');
    if (!problems.has(field)) problems.set(field, issue.message);
  }
  if (form.grant === 'client_credentials' && form.clientSecret === '' && !editing) {
    problems.set(
      OAUTH2_CLIENT_SECRET,
      `secrets.${OAUTH2_CLIENT_SECRET} is required: the client_credentials grant authenticates with the client secret`,
    );
  }
  return problems;
}
