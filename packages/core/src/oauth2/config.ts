import { z } from 'zod';
import { compileExpression } from '../expressions/compile.js';

export const OAUTH2_GRANTS = ['client_credentials', 'authorization_code'] as const;
export type OAuth2Grant = (typeof OAUTH2_GRANTS)[number];

/** The secret of a connection that holds the OAuth2 client secret. */
export const OAUTH2_CLIENT_SECRET = 'clientSecret';

const httpUrl = (field: string) =>
  z.url({ protocol: /^https?$/, error: `oauth2.${field} must be an absolute http(s) URL` });

/**
 * How a connection obtains OAuth2 access tokens. The client secret is not here: it is a secret of
 * the connection (`secrets.clientSecret`), stored encrypted like every other. Tokens are never
 * part of the configuration either: the runner and the api keep them encrypted on the connection.
 */
export const oauth2ConfigSchema = z
  .strictObject({
    grant: z.enum(OAUTH2_GRANTS, {
      error: 'oauth2.grant must be "client_credentials" or "authorization_code"',
    }),
    clientId: z
      .string({ error: 'oauth2.clientId is required: an OAuth2 connection needs a client id' })
      .trim()
      .min(1, 'oauth2.clientId is required: an OAuth2 connection needs a client id')
      .max(512),
    tokenUrl: httpUrl('tokenUrl'),
    /** Where the browser is sent to authorize (authorization code only). */
    authorizeUrl: httpUrl('authorizeUrl').optional(),
    scopes: z.array(z.string().trim().min(1).max(200)).max(50).default([]),
    /** Sent as `audience` with token requests, for servers that want one. */
    audience: z.string().trim().min(1).max(2_000).optional(),
    /** `basic`: client id and secret in an Authorization header; `post`: in the form body. */
    clientAuth: z.enum(['basic', 'post']).default('basic'),
    /** A token is renewed this many seconds before its `expires_in` runs out. */
    refreshAheadSec: z.number().int().min(0).max(86_400).default(60),
    /**
     * JSONata over `response` ({ status, headers, body }): true when an API answered that the token
     * expired in a way other than 401 (e.g. `response.body.error = "token_expired"`).
     */
    expiredWhen: z.string().trim().min(1).max(2_000).optional(),
  })
  .superRefine((cfg, ctx) => {
    if (cfg.grant === 'authorization_code' && !cfg.authorizeUrl) {
      ctx.addIssue({
        code: 'custom',
        path: ['authorizeUrl'],
        message: 'oauth2.authorizeUrl is required for the authorization_code grant',
      });
    }
    if (cfg.expiredWhen !== undefined) {
      const compiled = compileExpression(cfg.expiredWhen);
      if (!compiled.ok) {
        ctx.addIssue({
          code: 'custom',
          path: ['expiredWhen'],
          message: `oauth2.expiredWhen is not a valid expression: ${compiled.failure.message}`,
        });
      }
    }
  });

export type OAuth2Config = z.output<typeof oauth2ConfigSchema>;
export type OAuth2ConfigInput = z.input<typeof oauth2ConfigSchema>;

export const OAUTH2_STATUSES = ['not_connected', 'connected', 'failing'] as const;
export type OAuth2Status = (typeof OAUTH2_STATUSES)[number];

/** What the API shows of a connection's OAuth2 state: never a token. */
export const oauth2ViewSchema = z.object({
  config: z.object({
    grant: z.enum(OAUTH2_GRANTS),
    clientId: z.string(),
    tokenUrl: z.string(),
    authorizeUrl: z.string().nullable(),
    scopes: z.array(z.string()),
    audience: z.string().nullable(),
    clientAuth: z.enum(['basic', 'post']),
    refreshAheadSec: z.number(),
    expiredWhen: z.string().nullable(),
  }),
  status: z.enum(OAUTH2_STATUSES),
  /** When the current access token expires; null without a token or without `expires_in`. */
  expiresAt: z.date().nullable(),
  /** When the current token was obtained. */
  obtainedAt: z.date().nullable(),
  hasRefreshToken: z.boolean(),
  /** Why the connection is failing, with what to do (reconnect). */
  lastError: z.string().nullable(),
});
export type OAuth2View = z.infer<typeof oauth2ViewSchema>;
