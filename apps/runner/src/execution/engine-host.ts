import { Buffer } from 'node:buffer';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type EngineHost,
  type HttpRequest,
  type HttpResponse,
  isOutboundRateLimitWait,
  type NodeContext,
  type RunWaits,
  type ScenarioCalls,
  type Step,
  signalsExpiredToken,
  WeftError,
} from '@weft/core';
import { signWebhook } from '@weft/core/hmac';
import { runCodeInSandbox } from '@weft/core/sandbox';
import { SecretDecryptionError, type Keyring } from '@weft/core/secrets';
import {
  InvalidIdError,
  isCancelRequested,
  LeaseLostError,
  listHttpPages,
  listLoopItems,
  type Models,
  readConnectionSecrets,
  toObjectId,
} from '@weft/db';
import type { Types } from 'mongoose';
import type { HttpClient } from './http-client.js';
import { OAuth2TokenSource, type UsableToken } from './oauth2-tokens.js';
import type { OutboundLimiter } from './outbound-limiter.js';
import type { RunLogBuffer } from './run-log-buffer.js';
import { StepWriter } from './step-writer.js';

export interface EngineHostOptions {
  readonly models: Models;
  readonly keyring: Keyring;
  readonly http: HttpClient;
  readonly logs: RunLogBuffer;
  readonly run: { readonly id: Types.ObjectId; readonly workspaceId: Types.ObjectId };
  /** The lease holder: steps are only saved while this owner holds the run. */
  readonly owner: string;
  /** The lease's length: each step write extends it (see `saveSteps`). */
  readonly leaseMs: number;
  /** Called once when a save finds the lease gone: the caller aborts the run. */
  readonly onLeaseLost: (error: LeaseLostError) => void;
  /** `cancelRequested` is read at most this often (default 250 ms). */
  readonly cancelCheckEveryMs?: number;
  /** `cancelRequested` as the claim read it: the first check needs no round trip. */
  readonly cancelRequested?: boolean;
  /** Jitter source for retry backoffs (default Math.random). */
  readonly random?: () => number;
  /** Holds requests made for a connection to its outbound rate limit; none: no limits. */
  readonly outbound?: OutboundLimiter;
  /** The scenario calls of a node of this run (child runs, see scenario-calls.ts). */
  readonly calls: (nodeId: string, itemIndex?: number) => ScenarioCalls;
  /** The waits of a node of this run (approvals, see run-waits.ts). */
  readonly waits: (nodeId: string, itemIndex?: number) => RunWaits;
  /** OAuth2 access tokens of connections, shared by the runs of this runner (default: one of its own). */
  readonly oauth2?: OAuth2TokenSource;
  /** Each step's trace span (observability/spans.ts); absent: tracing is off. */
  readonly traceStep?: EngineHost['traceStep'];
}

export interface RunnerEngineHost extends EngineHost {
  /** Writes the steps kept back (see StepWriter); call before the run is finished or released. */
  flushSteps(): Promise<void>;
  /** The steps kept back, handed over unwritten, for the caller's final write (see StepWriter). */
  takePendingSteps(): Promise<Step[]>;
}

/** A log line of a node inside a loop body says which item it is about. */
function withItemIndex(data: unknown, index: number | undefined): unknown {
  if (index === undefined) return data;
  if (data === undefined) return { index };
  return data !== null && typeof data === 'object' && !Array.isArray(data) ? { ...data, index } : { index, data };
}

/** The real effects behind core's engine for one run: the database, the network, the keyring. */
export function createEngineHost(options: EngineHostOptions): RunnerEngineHost {
  const { models, keyring, http, logs, run, owner } = options;
  const steps = new StepWriter(models, run, owner, options.leaseMs);
  const leaseChecked = async (write: Promise<void>) => {
    try {
      await write;
    } catch (error) {
      if (error instanceof LeaseLostError) options.onLeaseLost(error);
      throw error;
    }
  };
  const runId = run.id.toHexString();
  const cancelCheckEveryMs = options.cancelCheckEveryMs ?? 250;
  let cancelled = options.cancelRequested === true;
  let cancelCheckedAt = Date.now();
  let cancelCheck: Promise<boolean> | undefined;

  const oauth2 = options.oauth2 ?? new OAuth2TokenSource({ models, keyring, http, owner });

  function connectionObjectId(connectionId: string): Types.ObjectId {
    try {
      return toObjectId(connectionId, 'connectionId');
    } catch (error) {
      if (error instanceof InvalidIdError)
        throw new WeftError('invalid_config', `connectionId "${connectionId}" is not a valid id`);
      throw error;
    }
  }

  async function secrets(connectionId: string): Promise<Readonly<Record<string, string>>> {
    const id = connectionObjectId(connectionId);
    let found: Record<string, string> | null;
    try {
      found = await readConnectionSecrets(models, keyring, run.workspaceId, id);
    } catch (error) {
      if (error instanceof SecretDecryptionError) {
        throw new WeftError(
          'secret_missing',
          `the secrets of connection ${connectionId} cannot be decrypted (${error.message}); is its key in WEFT_SECRET_KEYS?`,
          { retryable: false },
        );
      }
      throw error;
    }
    if (!found) {
      throw new WeftError(
        'secret_missing',
        `connection ${connectionId} does not exist in this workspace or holds no secrets`,
        { details: { connectionId } },
      );
    }
    return found;
  }

  /** The connection's outbound slot; database trouble while reserving it is a retryable error. */
  async function acquireSlot(outbound: OutboundLimiter, connectionId: string, signal: AbortSignal) {
    try {
      await outbound.acquire(connectionId, run.workspaceId, signal);
    } catch (error) {
      if (isOutboundRateLimitWait(error) || signal.aborted) throw error;
      throw new WeftError(
        'network',
        `could not reserve an outbound slot of connection ${connectionId}: ${(error as Error).message}`,
        {
          retryable: true,
          cause: error,
        },
      );
    }
  }

  /** One request, held to the connection's rate limit when it has one. */
  async function send(request: HttpRequest, connectionId: string | undefined, signal: AbortSignal) {
    if (connectionId && options.outbound) await acquireSlot(options.outbound, connectionId, signal);
    return http(request, signal);
  }

  /**
   * A request with the connection's OAuth2 token; when the API answers that the token expired
   * (401, or the connection's `expiredWhen`), once more with a renewed one.
   */
  async function sendWithOAuth2(
    request: HttpRequest,
    connectionId: string,
    signal: AbortSignal,
  ): Promise<HttpResponse> {
    const id = connectionObjectId(connectionId);
    const withToken = (token: UsableToken) => ({
      ...request,
      headers: { ...request.headers, Authorization: token.authorization },
    });
    const token = await oauth2.token(run.workspaceId, id, signal);
    const response = await send(withToken(token), connectionId, signal);
    if (!(await signalsExpiredToken(response, token.config.expiredWhen))) return response;
    const renewed = await oauth2.renewAfterRejection(run.workspaceId, id, token.version, signal);
    return send(withToken(renewed), connectionId, signal);
  }

  return {
    createContext({ nodeId, attempt, stepStartedAt, scope, signal, itemIndex }): NodeContext {
      return {
        runId,
        nodeId,
        ...(itemIndex === undefined ? {} : { itemIndex }),
        attempt,
        dryRun: false,
        stepStartedAt,
        scope,
        signal,
        now: () => new Date(),
        async http(request, callOptions) {
          if (callOptions?.oauth2 && callOptions.connectionId)
            return sendWithOAuth2(request, callOptions.connectionId, signal);
          return send(request, callOptions?.connectionId, signal);
        },
        log: (level, message, data) =>
          logs.add({ nodeId, attempt, level, message, data: withItemIndex(data, itemIndex) }),
        secrets,
        async signWebhook({ secret, id, timestamp, body }) {
          try {
            return signWebhook({
              config: { scheme: 'standard-webhooks' },
              secret,
              rawBody: Buffer.from(body, 'utf8'),
              now: timestamp,
              id,
            });
          } catch (error) {
            throw new WeftError('invalid_config', `node "${nodeId}": ${(error as Error).message}`);
          }
        },
        calls: options.calls(nodeId, itemIndex),
        runCode: runCodeInSandbox,
        waits: options.waits(nodeId, itemIndex),
      };
    },

    saveStep: (step) => leaseChecked(steps.save(step)),
    saveLoopItem: (item, changed) => leaseChecked(steps.saveItem(item, changed)),
    async loadLoopItems(loopId) {
      // Items kept back are written first, so what is read is what this run did.
      await leaseChecked(steps.flush());
      return listLoopItems(models, run.id, loopId);
    },
    saveHttpPage: (page) => leaseChecked(steps.savePage(page)),
    async loadHttpPages(nodeId, itemIndex) {
      await leaseChecked(steps.flush());
      return listHttpPages(models, run.id, nodeId, itemIndex ?? null);
    },
    flushSteps: () => leaseChecked(steps.flush()),
    takePendingSteps: () => steps.takePending(),

    isCancelled() {
      if (cancelled) return true;
      const now = Date.now();
      if (now - cancelCheckedAt < cancelCheckEveryMs) return false;
      cancelCheck ??= isCancelRequested(models, run.id)
        .then((requested) => {
          cancelCheckedAt = Date.now();
          cancelled = requested;
          return cancelled;
        })
        .finally(() => {
          cancelCheck = undefined;
        });
      return cancelCheck;
    },

    log(level, message, data) {
      const { nodeId, attempt, ...rest } = data;
      logs.add({
        nodeId: nodeId ?? null,
        attempt: attempt ?? null,
        level,
        message,
        ...(Object.keys(rest).length > 0 ? { data: rest } : {}),
      });
    },

    now: () => new Date(),
    ...(options.random ? { random: options.random } : {}),
    ...(options.traceStep ? { traceStep: options.traceStep } : {}),

    async sleep(ms, signal) {
      await sleep(ms, undefined, { signal });
    },
  };
}
