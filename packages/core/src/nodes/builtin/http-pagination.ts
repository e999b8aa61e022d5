import { z } from 'zod';
import type { HttpPage } from '../../schemas/entities.js';
import type { HttpRequest, HttpResponse } from '../types.js';

export const PAGINATION_MODES = ['nextLink', 'cursor', 'page', 'offset'] as const;
export const DEFAULT_MAX_PAGES = 10;
export const MAX_PAGES = 1_000;
/** The collected items of all pages, as JSON; a page is also stored whole, which keeps it under a document's limit. */
export const DEFAULT_MAX_ITEM_BYTES = 5 * 1024 * 1024;
export const MAX_ITEM_BYTES = 8 * 1024 * 1024;

const common = {
  items: z
    .string()
    .min(1, 'pagination.items is required')
    .max(2_000)
    .describe(
      'JSONata over { response, page, trigger, nodes, run }: the items of one page, e.g. response.body.data',
    ),
  maxPages: z
    .number()
    .int()
    .min(1)
    .max(MAX_PAGES)
    .default(DEFAULT_MAX_PAGES)
    .describe(`Stop after this many pages (at most ${MAX_PAGES}); the output then says complete: false`),
  maxItemBytes: z
    .number()
    .int()
    .min(1_024)
    .max(MAX_ITEM_BYTES)
    .default(DEFAULT_MAX_ITEM_BYTES)
    .describe('The collected items may take at most this many bytes as JSON; more fails the step'),
};

const param = (fallback: string) => z.string().min(1).max(200).default(fallback);
const pageSize = z
  .number()
  .int()
  .min(1)
  .optional()
  .describe('Items a full page holds: a shorter page is the last one');

export const paginationSchema = z.discriminatedUnion('mode', [
  z
    .object({
      mode: z.literal('nextLink'),
      ...common,
      nextLink: z
        .string()
        .min(1)
        .max(2_000)
        .optional()
        .describe(
          'JSONata over { response, page, … } giving the next page URL; empty: the Link header\'s rel="next"',
        ),
    })
    .strict(),
  z
    .object({
      mode: z.literal('cursor'),
      ...common,
      cursor: z
        .string()
        .min(1, 'pagination.cursor is required')
        .max(2_000)
        .describe(
          'JSONata over { response, page, … } giving the next cursor; empty or missing: no more pages',
        ),
      param: param('cursor').describe(
        'Name of the query parameter, header or body field the cursor is sent in',
      ),
      in: z.enum(['query', 'header', 'body']).default('query'),
    })
    .strict(),
  z
    .object({
      mode: z.literal('page'),
      ...common,
      param: param('page').describe('Query parameter holding the page number'),
      start: z.number().int().min(0).default(1).describe('Number of the first page'),
      pageSize,
    })
    .strict(),
  z
    .object({
      mode: z.literal('offset'),
      ...common,
      param: param('offset').describe('Query parameter holding the offset; it grows by the items received'),
      start: z.number().int().min(0).default(0),
      pageSize,
    })
    .strict(),
]);
export type Pagination = z.output<typeof paginationSchema>;

/** The raw JSONata fields of the pagination config (`NodeDefinition.rawExpressionFields`). */
export const PAGINATION_EXPRESSION_FIELDS = ['pagination.items', 'pagination.nextLink', 'pagination.cursor'];

/** A page's answer or its next request refused: a fatal error naming the field at fault. */
export class PaginationError extends Error {
  constructor(
    readonly code: string,
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

function headerOf(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.entries(headers).find(([key]) => key.toLowerCase() === lower)?.[1];
}

/** The `rel="next"` target of a `Link` header (RFC 8288), or null. */
export function nextLinkFromHeader(headers: Readonly<Record<string, string>>): string | null {
  const value = headerOf(headers, 'link');
  if (!value) return null;
  for (const match of value.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(match[2] ?? '');
    const rels = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (rels.includes('next')) return match[1] ?? null;
  }
  return null;
}

/**
 * A next link as requested: resolved against the page that gave it, and on the origin of the
 * configured URL. A link elsewhere is refused, so the connection's credentials and the SSRF
 * allow-list never apply to a host the scenario did not name.
 */
export function resolveNextLink(link: string, pageUrl: string, configuredUrl: string): string {
  let url: URL;
  try {
    url = new URL(link, pageUrl);
  } catch {
    throw new PaginationError(
      'pagination_next_link_invalid',
      'pagination.nextLink',
      `the next link "${link}" is not a URL`,
    );
  }
  const origin = new URL(configuredUrl).origin;
  if (url.origin !== origin) {
    throw new PaginationError(
      'pagination_next_link_refused',
      'pagination.nextLink',
      `the next link ${url.origin}… leaves ${origin}: next links must stay on the origin of the configured url`,
    );
  }
  return url.toString();
}

/** An expression's result as a page's items: nothing is none, a single value is one (JSONata unwraps singletons). */
export function asItems(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** What requests the page after `page`, or null when `page` was the last. */
export function nextOf(
  pagination: Pagination,
  page: { readonly number: number; readonly url: string; readonly items: readonly unknown[] },
  evaluated: { readonly nextLink?: unknown; readonly cursor?: unknown },
  configuredUrl: string,
  previous: string | number | null,
): string | number | null {
  switch (pagination.mode) {
    case 'nextLink': {
      const link = evaluated.nextLink;
      if (link === undefined || link === null || link === '') return null;
      if (typeof link !== 'string') {
        throw new PaginationError(
          'pagination_next_link_invalid',
          'pagination.nextLink',
          `the next link must be a string, got ${JSON.stringify(link).slice(0, 100)}`,
        );
      }
      const url = resolveNextLink(link, page.url, configuredUrl);
      if (url === page.url) {
        throw new PaginationError(
          'pagination_loop',
          'pagination.nextLink',
          `page ${page.number} links to itself as the next page (${url})`,
        );
      }
      return url;
    }
    case 'cursor': {
      const cursor = evaluated.cursor;
      if (cursor === undefined || cursor === null || cursor === '') return null;
      if (typeof cursor !== 'string' && typeof cursor !== 'number') {
        throw new PaginationError(
          'pagination_cursor_invalid',
          'pagination.cursor',
          `the cursor must be a string or a number, got ${JSON.stringify(cursor).slice(0, 100)}`,
        );
      }
      if (cursor === previous) {
        throw new PaginationError(
          'pagination_loop',
          'pagination.cursor',
          `page ${page.number} answered with the cursor it was requested with (${String(cursor)})`,
        );
      }
      return cursor;
    }
    case 'page':
    case 'offset': {
      const short = pagination.pageSize !== undefined && page.items.length < pagination.pageSize;
      if (page.items.length === 0 || short) return null;
      const current = typeof previous === 'number' ? previous : pagination.start;
      return pagination.mode === 'page' ? current + 1 : current + page.items.length;
    }
  }
}

/**
 * The request of one page: the configured request for the first, changed by what the page before
 * it gave (`next`) for the others. Each page has an idempotency key of its own unless the config
 * sets one.
 */
export function pageRequest(
  base: HttpRequest,
  pagination: Pagination,
  next: string | number | null,
  idempotencyKey: string | null,
): HttpRequest {
  const headers: Record<string, string> = { ...base.headers };
  if (idempotencyKey !== null) setHeader(headers, 'Idempotency-Key', idempotencyKey);
  let url = base.url;
  let body = base.body;
  switch (pagination.mode) {
    case 'nextLink':
      if (typeof next === 'string') url = next;
      break;
    case 'cursor':
      if (next === null) break;
      if (pagination.in === 'query') url = withQuery(url, pagination.param, String(next));
      else if (pagination.in === 'header') setHeader(headers, pagination.param, String(next));
      else
        body = JSON.stringify({
          ...(JSON.parse(body ?? '{}') as Record<string, unknown>),
          [pagination.param]: next,
        });
      break;
    case 'page':
    case 'offset':
      url = withQuery(url, pagination.param, String(next ?? pagination.start));
      break;
  }
  return { ...base, url, headers, ...(body === undefined ? {} : { body }) };
}

/** Sets a header, replacing one of the same name in any case. */
function setHeader(headers: Record<string, string>, name: string, value: string): void {
  const lower = name.toLowerCase();
  for (const key of Object.keys(headers)) if (key.toLowerCase() === lower) delete headers[key];
  headers[name] = value;
}

function withQuery(url: string, name: string, value: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set(name, value);
  return parsed.toString();
}

export function jsonBytes(value: unknown): number {
  return new TextEncoder().encode(JSON.stringify(value ?? null)).length;
}

/** What a paginated request outputs. */
export interface PaginatedOutput {
  readonly items: readonly unknown[];
  readonly pages: number;
  /** False when `maxPages` stopped the listing while the API still had a next page. */
  readonly complete: boolean;
  /** Per page, for the run view: its HTTP status and how many items it gave. */
  readonly perPage: readonly { readonly page: number; readonly status: number; readonly items: number }[];
}

export function paginatedOutput(pages: readonly HttpPage[]): PaginatedOutput {
  return {
    items: pages.flatMap((page) => page.items),
    pages: pages.length,
    complete: pages.at(-1)?.next === null,
    perPage: pages.map((page) => ({ page: page.page, status: page.status, items: page.items.length })),
  };
}

/** The response as page expressions see it: JSON bodies parsed. */
export type PageResponse = {
  readonly status: number;
  readonly headers: HttpResponse['headers'];
  readonly body: unknown;
};
