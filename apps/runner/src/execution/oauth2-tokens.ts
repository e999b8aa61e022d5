import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  authorizationOf,
  OAUTH2_CLIENT_SECRET,
  type OAuth2Config,
  type OAuth2Tokens,
  parseTokenResponse,
  refreshDue,
  type TokenGrant,
  tokenRequest,
  WeftError,
} from '@weft/core';
import { type Keyring, SecretDecryptionError } from '@weft/core/secrets';
import {
  claimOAuth2Refresh,
  failOAuth2Connection,
  type Models,
  type OAuth2State,
  readConnectionSecrets,
  readOAuth2State,
  releaseOAuth2Refresh,
  storeOAuth2Tokens,
} from '@weft/db';
import type { Types } from 'mongoose';
import type { HttpClient } from './http-client.js';
import { oauth2TokenRequestsTotal } from '../observability/metrics.js';

export interface OAuth2TokenSourceOptions {
  readonly models: Models;
  readonly keyring: Keyring;
  /** The runner's outbound client: token endpoints pass the same SSRF rule as every request. */
  readonly http: HttpClient;
  /** This runner's name, part of each refresh claim. */
  readonly owner: string;
  /** How long a refresh claim holds (default 30 s): a runner that dies mid-refresh blocks no longer. */
  readonly leaseMs?: number;
  /** How often a runner waiting for another's refresh looks again (default 100 ms). */
  readonly waitEveryMs?: number;
  /** Wall clock in epoch ms (replaceable in tests: "later" without waiting). */
  readonly now?: () => number;
}

/** An access token ready to send, with the version it was read at (for a renewal after a rejection). */
export interface UsableToken {
  readonly authorization: string;
  readonly version: number;
  readonly config: OAuth2Config;
}

/**
 * The access tokens of OAuth2 connections. A token is renewed `refreshAheadSec` before it expires,
 * and when an API rejected it (`renewAfterRejection`). Renewals are one at a time across all
 * runners: a runner claims the connection (compare-and-set on the token version plus a lease),
 * asks the token endpoint, and stores the new tokens; a runner that loses the claim waits and
 * reads what the winner stored. A grant the server refuses marks the connection failing: a person
 * must reconnect it.
 */
export class OAuth2TokenSource {
  private readonly leaseMs: number;
  private readonly waitEveryMs: number;
  private readonly now: () => number;

  constructor(private readonly options: OAuth2TokenSourceOptions) {
    this.leaseMs = options.leaseMs ?? 30_000;
    this.waitEveryMs = options.waitEveryMs ?? 100;
    this.now = options.now ?? Date.now;
  }

  /** A token for a request of the connection, renewed first when it is due. */
  token(
    workspaceId: Types.ObjectId,
    connectionId: Types.ObjectId,
    signal: AbortSignal,
  ): Promise<UsableToken> {
    return this.usable(workspaceId, connectionId, signal, undefined);
  }

  /**
   * The API answered that the token read at `version` expired: a newer one when another runner
   * already renewed it, else a renewal now.
   */
  renewAfterRejection(
    workspaceId: Types.ObjectId,
    connectionId: Types.ObjectId,
    version: number,
    signal: AbortSignal,
  ): Promise<UsableToken> {
    return this.usable(workspaceId, connectionId, signal, version);
  }

  private async usable(
    workspaceId: Types.ObjectId,
    connectionId: Types.ObjectId,
    signal: AbortSignal,
    rejectedVersion: number | undefined,
  ): Promise<UsableToken> {
    const id = connectionId.toHexString();
    // Waiting for another runner's refresh ends with its lease at the latest; twice that is a hang.
    const giveUpAt = this.now() + 2 * this.leaseMs + 5_000;
    for (;;) {
      signal.throwIfAborted();
      const state = await this.read(workspaceId, connectionId);
      if (!state) {
        throw new WeftError(
          'invalid_config',
          `connection ${id} does not exist in this workspace or uses no OAuth2`,
          {
            details: { connectionId: id },
          },
        );
      }
      if (state.status === 'failing') {
        throw new WeftError('oauth2_reconnect', state.lastError ?? `connection ${id} must be reconnected`, {
          details: { connectionId: id },
        });
      }
      const { tokens } = state;
      const fresh =
        tokens !== null &&
        !refreshDue(tokens, this.now(), state.config.refreshAheadSec) &&
        state.version !== rejectedVersion;
      if (fresh)
        return { authorization: authorizationOf(tokens), version: state.version, config: state.config };

      const leaseHeld = state.lease !== null && state.lease.until.getTime() > Date.now();
      if (!leaseHeld) {
        const holder = `${this.options.owner}:${randomUUID()}`;
        const claimed = await claimOAuth2Refresh(this.options.models, workspaceId, connectionId, {
          holder,
          version: state.version,
          leaseMs: this.leaseMs,
        });
        if (claimed) {
          const renewed = await this.renew(workspaceId, connectionId, state, holder, signal);
          if (renewed) return renewed;
          continue;
        }
      }
      if (this.now() > giveUpAt) {
        throw new WeftError(
          'network',
          `the OAuth2 token of connection ${id} is being renewed by another runner that does not finish`,
          {
            retryable: true,
          },
        );
      }
      await sleep(this.waitEveryMs, undefined, { signal });
    }
  }

  private async read(workspaceId: Types.ObjectId, connectionId: Types.ObjectId): Promise<OAuth2State | null> {
    try {
      return await readOAuth2State(this.options.models, this.options.keyring, workspaceId, connectionId);
    } catch (error) {
      if (!(error instanceof SecretDecryptionError)) throw error;
      throw new WeftError(
        'secret_missing',
        `the OAuth2 tokens of connection ${connectionId.toHexString()} cannot be decrypted (${error.message}); is its key in WEFT_SECRET_KEYS?`,
        { retryable: false },
      );
    }
  }

  /** Asks the token endpoint under a held claim; null when the claim was lost meanwhile (read again). */
  private async renew(
    workspaceId: Types.ObjectId,
    connectionId: Types.ObjectId,
    state: OAuth2State,
    holder: string,
    signal: AbortSignal,
  ): Promise<UsableToken | null> {
    const { models, keyring } = this.options;
    const id = connectionId.toHexString();
    const reconnect = async (why: string): Promise<never> => {
      const message = `the OAuth2 token could not be renewed (${why}); reconnect the connection`;
      await failOAuth2Connection(models, workspaceId, connectionId, message, { holder });
      throw new WeftError('oauth2_reconnect', message, { details: { connectionId: id } });
    };
    let grant: TokenGrant;
    if (state.config.grant === 'client_credentials') grant = { kind: 'client_credentials' };
    else if (state.tokens?.refreshToken)
      grant = { kind: 'refresh_token', refreshToken: state.tokens.refreshToken };
    else {
      await releaseOAuth2Refresh(models, workspaceId, connectionId, holder);
      throw new WeftError(
        'oauth2_reconnect',
        state.tokens
          ? `connection ${id}: the access token expired and the server gave no refresh token; reconnect the connection`
          : `connection ${id} is not connected yet: connect it on its app's page`,
        { details: { connectionId: id } },
      );
    }
    try {
      const secrets = await readConnectionSecrets(models, keyring, workspaceId, connectionId);
      const request = tokenRequest(state.config, secrets?.[OAUTH2_CLIENT_SECRET], grant);
      const response = await this.options
        .http(
          {
            method: 'POST',
            url: request.url,
            headers: request.headers,
            body: request.body,
            timeoutMs: 30_000,
          },
          signal,
        )
        .catch((error: unknown) => {
          oauth2TokenRequestsTotal.inc({ grant: grant.kind, outcome: 'failed' });
          throw error;
        });
      const outcome = parseTokenResponse(
        response,
        this.now(),
        grant.kind === 'refresh_token' ? grant.refreshToken : null,
      );
      oauth2TokenRequestsTotal.inc({
        grant: grant.kind,
        outcome: outcome.ok ? 'issued' : outcome.rejected ? 'refused' : 'failed',
      });
      if (!outcome.ok) {
        if (outcome.rejected) return await reconnect(outcome.message);
        throw new WeftError('network', `connection ${id}: ${outcome.message}`, { retryable: true });
      }
      const stored = await storeOAuth2Tokens(models, keyring, workspaceId, connectionId, outcome.tokens, {
        holder,
      });
      return stored ? usableOf(outcome.tokens, state.version + 1, state.config) : null;
    } catch (error) {
      // Whatever went wrong, the claim goes back so the next attempt (here or elsewhere) can renew.
      await releaseOAuth2Refresh(models, workspaceId, connectionId, holder).catch(() => undefined);
      throw error;
    }
  }
}

function usableOf(tokens: OAuth2Tokens, version: number, config: OAuth2Config): UsableToken {
  return { authorization: authorizationOf(tokens), version, config };
}
