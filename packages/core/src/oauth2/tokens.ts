import type { OAuth2Config } from './config.js';

/** The tokens of a connection as they are kept (encrypted) between uses. */
export interface OAuth2Tokens {
  readonly accessToken: string;
  readonly tokenType: string;
  readonly refreshToken: string | null;
  /** Epoch ms; null when the server gave no `expires_in`. */
  readonly expiresAt: number | null;
}

export type TokenResponseOutcome =
  | { readonly ok: true; readonly tokens: OAuth2Tokens }
  /**
   * `rejected`: the server refused the grant (invalid_grant, invalid_client …): trying again
   * will not help, a person must reconnect. Otherwise the failure may pass (5xx, 429, garbage).
   */
  | { readonly ok: false; readonly rejected: boolean; readonly message: string };

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/**
 * Reads a token endpoint's answer (RFC 6749 §5). A refresh that returns no new refresh token
 * keeps the previous one (`previousRefreshToken`), as the RFC allows.
 */
export function parseTokenResponse(
  response: { readonly status: number; readonly body: string },
  now: number,
  previousRefreshToken: string | null = null,
): TokenResponseOutcome {
  const json = parseJson(response.body);
  const fields = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
  if (response.status < 200 || response.status >= 300) {
    const code = typeof fields.error === 'string' ? fields.error : `HTTP ${response.status}`;
    const description = typeof fields.error_description === 'string' ? `: ${fields.error_description}` : '';
    // 400/401 with an OAuth2 error code is the server's verdict on the grant or the client.
    const rejected = (response.status === 400 || response.status === 401) && typeof fields.error === 'string';
    return { ok: false, rejected, message: `the token endpoint answered ${code}${description}` };
  }
  const accessToken = fields.access_token;
  if (typeof accessToken !== 'string' || accessToken === '') {
    return { ok: false, rejected: false, message: 'the token endpoint answered without an access_token' };
  }
  const expiresIn = Number(fields.expires_in);
  const refreshToken = typeof fields.refresh_token === 'string' ? fields.refresh_token : previousRefreshToken;
  return {
    ok: true,
    tokens: {
      accessToken,
      tokenType: typeof fields.token_type === 'string' ? fields.token_type : 'Bearer',
      refreshToken,
      expiresAt: Number.isFinite(expiresIn) && expiresIn > 0 ? now + expiresIn * 1000 : null,
    },
  };
}

/** Whether a token must be renewed before it is used: it expires within `refreshAheadSec`. */
export function refreshDue(
  tokens: Pick<OAuth2Tokens, 'expiresAt'>,
  now: number,
  refreshAheadSec: number,
): boolean {
  return tokens.expiresAt !== null && tokens.expiresAt - refreshAheadSec * 1000 <= now;
}

/** The Authorization header value for a token (`Bearer` whatever case the server used). */
export function authorizationOf(tokens: Pick<OAuth2Tokens, 'accessToken' | 'tokenType'>): string {
  const type = tokens.tokenType.toLowerCase() === 'bearer' ? 'Bearer' : tokens.tokenType;
  return `${type} ${tokens.accessToken}`;
}

export type TokenGrant =
  | { readonly kind: 'client_credentials' }
  | { readonly kind: 'refresh_token'; readonly refreshToken: string }
  | {
      readonly kind: 'authorization_code';
      readonly code: string;
      readonly redirectUri: string;
      readonly codeVerifier: string;
    };

/** A token request (RFC 6749 §4.1.3, §4.4.2, §6) as method, headers and form body. */
export function tokenRequest(
  config: OAuth2Config,
  clientSecret: string | undefined,
  grant: TokenGrant,
): { readonly url: string; readonly headers: Record<string, string>; readonly body: string } {
  const form = new URLSearchParams({ grant_type: grant.kind });
  if (grant.kind === 'refresh_token') form.set('refresh_token', grant.refreshToken);
  if (grant.kind === 'authorization_code') {
    form.set('code', grant.code);
    form.set('redirect_uri', grant.redirectUri);
    form.set('code_verifier', grant.codeVerifier);
  }
  if (grant.kind === 'client_credentials' && config.scopes.length > 0)
    form.set('scope', config.scopes.join(' '));
  if (grant.kind === 'client_credentials' && config.audience) form.set('audience', config.audience);
  const headers: Record<string, string> = {
    'Content-Type': 'application/x-www-form-urlencoded',
    Accept: 'application/json',
  };
  if (clientSecret !== undefined && config.clientAuth === 'basic') {
    // RFC 6749 §2.3.1: both parts form-encoded before base64.
    const pair = `${encodeURIComponent(config.clientId)}:${encodeURIComponent(clientSecret)}`;
    headers.Authorization = `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(pair)))}`;
  } else {
    form.set('client_id', config.clientId);
    if (clientSecret !== undefined) form.set('client_secret', clientSecret);
  }
  return { url: config.tokenUrl, headers, body: form.toString() };
}

/** The URL a person is sent to for the authorization code grant with PKCE (RFC 7636, S256). */
export function authorizeUrl(
  config: OAuth2Config,
  input: { readonly state: string; readonly codeChallenge: string; readonly redirectUri: string },
): string {
  if (!config.authorizeUrl)
    throw new Error('oauth2.authorizeUrl is required for the authorization_code grant');
  const url = new URL(config.authorizeUrl);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', config.clientId);
  url.searchParams.set('redirect_uri', input.redirectUri);
  url.searchParams.set('state', input.state);
  url.searchParams.set('code_challenge', input.codeChallenge);
  url.searchParams.set('code_challenge_method', 'S256');
  if (config.scopes.length > 0) url.searchParams.set('scope', config.scopes.join(' '));
  if (config.audience) url.searchParams.set('audience', config.audience);
  return url.toString();
}
