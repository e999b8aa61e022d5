import { z } from 'zod';
import { classifyHttpStatus, classifyThrown } from '../../errors/index.js';
import { objectIdSchema } from '../../schemas/ids.js';
import { isOutboundRateLimitWait } from '../../limits/outbound-rate.js';
import { fatal, retryable, success, waitUntil } from '../results.js';
import {
  type ActionResult,
  type HttpCallOptions,
  type HttpRequest,
  type HttpResponse,
  type NodeContext,
  type NodeDefinition,
  stepKeyOf,
} from '../types.js';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;
const ERROR_BODY_PREVIEW = 2_000;

const auth = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }),
  z.object({
    kind: z.literal('bearer'),
    secretKey: z.string().min(1).default('token').describe('Which secret of the connection holds the token'),
  }),
  z.object({
    kind: z.literal('basic'),
    usernameKey: z.string().min(1).default('username'),
    passwordKey: z.string().min(1).default('password'),
  }),
  z.object({
    kind: z.literal('header'),
    header: z.string().min(1).describe('Header to send the secret in, e.g. X-Api-Key'),
    secretKey: z.string().min(1).default('apiKey'),
  }),
  /** The connection's OAuth2 access token, added and renewed by the runner. */
  z.object({ kind: z.literal('oauth2') }),
]);

const config = z
  .object({
    method: z.enum(HTTP_METHODS).default('GET'),
    url: z.url({ protocol: /^https?$/, error: 'url must be an absolute http(s) URL' }),
    headers: z.record(z.string().min(1), z.string()).default({}),
    query: z.record(z.string().min(1), z.string()).default({}),
    /** Objects and arrays are sent as JSON; strings as they are. */
    body: z.unknown().optional(),
    connectionId: objectIdSchema.optional().describe('Connection whose secrets authenticate the request'),
    auth: auth.default({ kind: 'none' }),
    timeoutMs: z.number().int().min(100).max(300_000).default(30_000),
    /** Treat non-2xx answers as errors (retryable for 408/429/5xx). */
    failOnErrorStatus: z.boolean().default(true),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    if (cfg.auth.kind !== 'none' && !cfg.connectionId) {
      ctx.addIssue({
        code: 'custom',
        path: ['connectionId'],
        message: `auth "${cfg.auth.kind}" needs a connection`,
      });
    }
    if ((cfg.method === 'GET' || cfg.method === 'HEAD') && cfg.body !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['body'], message: `${cfg.method} requests carry no body` });
    }
  });
type Config = z.output<typeof config>;

function hasHeader(headers: Record<string, string>, name: string): boolean {
  const lower = name.toLowerCase();
  return Object.keys(headers).some((key) => key.toLowerCase() === lower);
}

async function authHeaders(ctx: NodeContext, cfg: Config): Promise<Record<string, string>> {
  if (cfg.auth.kind === 'none' || cfg.auth.kind === 'oauth2' || !cfg.connectionId) return {};
  const secrets = await ctx.secrets(cfg.connectionId);
  const need = (key: string) => {
    const value = secrets[key];
    if (value === undefined) throw new MissingSecret(key);
    return value;
  };
  switch (cfg.auth.kind) {
    case 'bearer':
      return { Authorization: `Bearer ${need(cfg.auth.secretKey)}` };
    case 'basic': {
      const pair = `${need(cfg.auth.usernameKey)}:${need(cfg.auth.passwordKey)}`;
      return { Authorization: `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(pair)))}` };
    }
    case 'header':
      return { [cfg.auth.header]: need(cfg.auth.secretKey) };
  }
}

class MissingSecret extends Error {
  constructor(readonly key: string) {
    super(`the connection has no secret "${key}"`);
  }
}

export function buildHttpRequest(ctx: NodeContext, cfg: Config, auth: Record<string, string>): HttpRequest {
  const url = new URL(cfg.url);
  for (const [key, value] of Object.entries(cfg.query)) url.searchParams.append(key, value);
  const headers: Record<string, string> = { ...cfg.headers, ...auth };
  // Downstream APIs can dedupe a retried or resumed call on this key.
  if (!hasHeader(headers, 'idempotency-key')) headers['Idempotency-Key'] = stepKeyOf(ctx);
  let body: string | undefined;
  if (cfg.body !== undefined) {
    if (typeof cfg.body === 'string') body = cfg.body;
    else {
      body = JSON.stringify(cfg.body);
      if (!hasHeader(headers, 'content-type')) headers['Content-Type'] = 'application/json';
    }
  }
  return {
    method: cfg.method,
    url: url.toString(),
    headers,
    timeoutMs: cfg.timeoutMs,
    ...(body === undefined ? {} : { body }),
  };
}

/** JSON bodies are parsed so later nodes can address their fields; anything else stays text. */
export function parseResponseBody(response: HttpResponse): unknown {
  const type = Object.entries(response.headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '';
  if (/\bjson\b/i.test(type) && response.body.length > 0) {
    try {
      return JSON.parse(response.body);
    } catch {
      return response.body;
    }
  }
  return response.body;
}

/** Maps a finished HTTP exchange to the node's result, classifying error statuses. */
export function httpResult(response: HttpResponse, failOnErrorStatus: boolean): ActionResult {
  const data = { status: response.status, headers: response.headers, body: parseResponseBody(response) };
  if (response.status < 400 || !failOnErrorStatus) return success(data);
  const classified = classifyHttpStatus(response.status, response.headers);
  if (!classified) return success(data);
  const error = {
    code: classified.code,
    message: `${classified.message}: ${response.body.slice(0, 200)}`.trim(),
    details: { status: response.status, body: response.body.slice(0, ERROR_BODY_PREVIEW) },
    ...(classified.retryAfterMs === undefined ? {} : { retryAfterMs: classified.retryAfterMs }),
  };
  return classified.retryable ? retryable(error) : fatal(error.code, error.message, error.details);
}

/**
 * Sends the request and classifies the outcome. A connection at its outbound rate limit is not an
 * error: the step waits (durably, without counting an attempt) and sends when a slot is free.
 */
export async function performHttp(
  ctx: NodeContext,
  request: HttpRequest,
  failOnErrorStatus: boolean,
  options: HttpCallOptions = {},
) {
  try {
    return httpResult(await ctx.http(request, options), failOnErrorStatus);
  } catch (thrown) {
    if (isOutboundRateLimitWait(thrown)) return waitUntil(thrown.until, thrown.message);
    const error = classifyThrown(thrown);
    return error.retryable
      ? retryable({ code: error.code, message: error.message })
      : fatal(error.code, error.message, error.details);
  }
}

export const httpRequest: NodeDefinition<typeof config> = {
  type: 'http.request',
  version: 2,
  title: 'HTTP request',
  description:
    'Calls an HTTP API. Outputs { status, headers, body } (JSON bodies parsed). 408, 429 and 5xx are retried.',
  category: 'action',
  configSchema: config,
  exampleConfig: {
    method: 'POST',
    url: 'https://api.example.com/orders',
    headers: { 'X-Source': 'weft' },
    body: { orderId: '{{ trigger.body.id }}' },
    timeoutMs: 10_000,
  },
  inputs: [{ id: 'in', label: 'Input' }],
  outputs: [{ id: 'out', label: 'Response' }],
  migrations: {
    // Version 1 kept the timeout in seconds (`timeout`) and headers as a list of { name, value }.
    1: (v1) => {
      const { timeout, headers, ...rest } = v1;
      const next: Record<string, unknown> = { ...rest };
      if (typeof timeout === 'number') next.timeoutMs = Math.round(timeout * 1000);
      if (Array.isArray(headers)) {
        next.headers = Object.fromEntries(
          headers
            .filter((h): h is { name: string; value: string } => typeof h?.name === 'string')
            .map((h) => [h.name, String(h.value ?? '')]),
        );
      } else if (headers !== undefined) next.headers = headers;
      return next;
    },
  },
  retry: { maxAttempts: 3, initialDelayMs: 1_000, maxDelayMs: 60_000 },
  async execute(ctx, _input, cfg) {
    let auth: Record<string, string>;
    try {
      auth = await authHeaders(ctx, cfg);
    } catch (error) {
      if (error instanceof MissingSecret) return fatal('secret_missing', error.message, { key: error.key });
      throw error;
    }
    return performHttp(
      ctx,
      buildHttpRequest(ctx, cfg, auth),
      cfg.failOnErrorStatus,
      cfg.connectionId
        ? { connectionId: cfg.connectionId, ...(cfg.auth.kind === 'oauth2' ? { oauth2: true } : {}) }
        : {},
    );
  },
  mock(request) {
    return {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ simulated: true, method: request.method, url: request.url }),
    };
  },
};
