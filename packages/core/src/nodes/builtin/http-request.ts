import { z } from 'zod';
import { classifyHttpStatus, classifyThrown } from '../../errors/index.js';
import { ExpressionError, evaluateExpression } from '../../expressions/index.js';
import { objectIdSchema } from '../../schemas/ids.js';
import { isOutboundRateLimitWait } from '../../limits/outbound-rate.js';
import type { HttpPage } from '../../schemas/entities.js';
import { fatal, retryable, success, waitUntil } from '../results.js';
import {
  asItems,
  jsonBytes,
  nextLinkFromHeader,
  nextOf,
  PAGINATION_EXPRESSION_FIELDS,
  type PageResponse,
  type Pagination,
  PaginationError,
  pageRequest,
  paginatedOutput,
  paginationSchema,
} from './http-pagination.js';
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
    /** Fetch every page of a listing: each page is stored before the next is requested. */
    pagination: paginationSchema.optional(),
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
    const pagination = cfg.pagination;
    if (pagination && !cfg.failOnErrorStatus) {
      ctx.addIssue({
        code: 'custom',
        path: ['failOnErrorStatus'],
        message:
          'pagination needs failOnErrorStatus: a page answered with an error status has no next page to follow',
      });
    }
    if (pagination?.mode === 'cursor' && pagination.in === 'body') {
      if (cfg.method === 'GET' || cfg.method === 'HEAD') {
        ctx.addIssue({
          code: 'custom',
          path: ['pagination', 'in'],
          message: `a cursor sent in the body needs a method with a body, not ${cfg.method}`,
        });
      } else if (
        cfg.body !== undefined &&
        (cfg.body === null || typeof cfg.body !== 'object' || Array.isArray(cfg.body))
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['pagination', 'in'],
          message: 'a cursor sent in the body needs a JSON object body (or none) to add its field to',
        });
      }
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

/** The stored pages a resumed step goes on from: the run of pages 1…n without a gap. */
function storedPrefix(pages: readonly HttpPage[]): HttpPage[] {
  const sorted = [...pages].sort((a, b) => a.page - b.page);
  const prefix: HttpPage[] = [];
  for (const page of sorted) {
    if (page.page !== prefix.length + 1) break;
    prefix.push(page);
  }
  return prefix;
}

/**
 * A page's failure says which page it was. A retryable one stays retryable (the step resumes at
 * that page), and the retry policy counts the attempts at this page only: those since the step's
 * attempt that stored the page before it.
 */
function pageFailure(
  ctx: NodeContext,
  result: ActionResult,
  page: number,
  url: string,
  previous?: HttpPage,
): ActionResult {
  if (result.kind !== 'retryable_error' && result.kind !== 'fatal_error') return result;
  const error = {
    ...result.error,
    message: `page ${page}: ${result.error.message}`,
    details: { page, url, ...asObject(result.error.details) },
  };
  if (result.kind === 'fatal_error') return { ...result, error };
  const policyAttempt = previous ? ctx.attempt - previous.attempt + 1 : ctx.attempt;
  return { ...result, error, policyAttempt };
}

function asObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : value === undefined
      ? {}
      : { info: value };
}

async function evaluatePageField(
  ctx: NodeContext,
  field: string,
  expression: string,
  response: PageResponse,
  page: number,
): Promise<unknown> {
  try {
    // The page's own values beside the run's scope (as a transform adds `input`).
    const scope = { ...ctx.scope, response, page };
    return await evaluateExpression(expression, scope);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new PaginationError(
      error instanceof ExpressionError ? error.code : 'expression_error',
      field,
      message,
    );
  }
}

/**
 * Requests page after page until the API has no next one or `maxPages` is reached. Every page
 * (its items and what requests the next) is stored before the next is requested, so an attempt
 * after a retry, a rate-limit wait or a crash goes on at the first page not stored. Each request
 * goes through `performHttp`: the connection's rate limit, the runner's SSRF guard and the error
 * classification apply to every page.
 */
async function paginate(
  ctx: NodeContext,
  cfg: Config,
  pagination: Pagination,
  base: HttpRequest,
  options: HttpCallOptions,
): Promise<ActionResult> {
  if (!ctx.pages) return fatal('internal', `node "${ctx.nodeId}": this host stores no pages`);
  const pages = storedPrefix(await ctx.pages.load());
  let bytes = pages.reduce((sum, page) => sum + jsonBytes(page.items), 0);
  const keyed = !hasHeader(cfg.headers, 'idempotency-key');
  for (;;) {
    const last = pages.at(-1);
    if (last && (last.next === null || pages.length >= pagination.maxPages)) break;
    const number = pages.length + 1;
    const previous = last?.next ?? null;
    const request = pageRequest(base, pagination, previous, keyed ? `${stepKeyOf(ctx)}:p${number}` : null);
    const result = await performHttp(ctx, request, true, options);
    if (result.kind !== 'success') return pageFailure(ctx, result, number, request.url, last);
    const response = result.data as PageResponse;
    let page: HttpPage;
    try {
      const items = asItems(
        await evaluatePageField(ctx, 'pagination.items', pagination.items, response, number),
      );
      const evaluated =
        pagination.mode === 'cursor'
          ? { cursor: await evaluatePageField(ctx, 'pagination.cursor', pagination.cursor, response, number) }
          : pagination.mode === 'nextLink'
            ? {
                nextLink: pagination.nextLink
                  ? await evaluatePageField(ctx, 'pagination.nextLink', pagination.nextLink, response, number)
                  : nextLinkFromHeader(response.headers),
              }
            : {};
      const next = nextOf(pagination, { number, url: request.url, items }, evaluated, cfg.url, previous);
      bytes += jsonBytes(items);
      if (bytes > pagination.maxItemBytes) {
        throw new PaginationError(
          'pagination_too_large',
          'pagination.maxItemBytes',
          `the items of pages 1–${number} take ${bytes} bytes, more than pagination.maxItemBytes (${pagination.maxItemBytes}); narrow pagination.items or lower pagination.maxPages`,
        );
      }
      page = {
        nodeId: ctx.nodeId,
        itemIndex: ctx.itemIndex ?? null,
        page: number,
        url: request.url,
        status: response.status,
        items,
        next,
        attempt: ctx.attempt,
        fetchedAt: ctx.now(),
      };
    } catch (error) {
      if (!(error instanceof PaginationError)) throw error;
      return fatal(
        error.code,
        `node "${ctx.nodeId}", field "${error.field}", page ${number}: ${error.message}`,
        {
          field: error.field,
          page: number,
        },
      );
    }
    await ctx.pages.save(page);
    pages.push(page);
  }
  const output = paginatedOutput(pages);
  if (!output.complete) {
    ctx.log('warn', `stopped after pagination.maxPages (${pagination.maxPages}) pages; the API has more`, {
      pages: output.pages,
    });
  }
  return success(output);
}

export const httpRequest: NodeDefinition<typeof config> = {
  type: 'http.request',
  version: 2,
  title: 'HTTP request',
  description:
    'Calls an HTTP API. Outputs { status, headers, body } (JSON bodies parsed); with pagination, { items, pages, complete, perPage }. 408, 429 and 5xx are retried.',
  category: 'action',
  effects: true,
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
  references: [{ field: 'connectionId', kind: 'connection' }],
  retry: { maxAttempts: 3, initialDelayMs: 1_000, maxDelayMs: 60_000 },
  rawExpressionFields: PAGINATION_EXPRESSION_FIELDS,
  async execute(ctx, _input, cfg) {
    let auth: Record<string, string>;
    try {
      auth = await authHeaders(ctx, cfg);
    } catch (error) {
      if (error instanceof MissingSecret) return fatal('secret_missing', error.message, { key: error.key });
      throw error;
    }
    const request = buildHttpRequest(ctx, cfg, auth);
    const options = cfg.connectionId
      ? { connectionId: cfg.connectionId, ...(cfg.auth.kind === 'oauth2' ? { oauth2: true } : {}) }
      : {};
    if (cfg.pagination) return paginate(ctx, cfg, cfg.pagination, request, options);
    return performHttp(ctx, request, cfg.failOnErrorStatus, options);
  },
  mock(request) {
    return {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ simulated: true, method: request.method, url: request.url }),
    };
  },
};
