/**
 * tRPC setup: the context, the error formatter, and the procedure builders. Routers live in
 * `router/*.ts`, one per domain (create-t3-turbo style).
 */
import { type ApiTokenScope, type GraphProblem, scopeForCall } from '@weft/core';
import {
  AppInUseError,
  AppKeyTakenError,
  InvalidCursorError,
  InvalidIdError,
  isDuplicateKeyError,
  isDatabaseUnavailable,
} from '@weft/db';
import { initTRPC, TRPCError } from '@trpc/server';
import type { CreateExpressContextOptions } from '@trpc/server/adapters/express';
import superjson from 'superjson';
import { ZodError, z } from 'zod';
import { authenticate, bearerToken, scopeRefusal } from './auth.js';
import type { ApiDeps } from './deps.js';
import { DATABASE_UNAVAILABLE_MESSAGE, HttpError } from './errors.js';
import { forgetWebhookScenarios } from './webhook/scenario-cache.js';

export interface Context {
  readonly deps: ApiDeps;
  /** The bearer token presented with the call, checked by `protectedProcedure`. */
  readonly bearerToken: string | null;
}

/** The context without HTTP: what tests and scripts hand to `createCaller`. */
export function createInnerContext(opts: { deps: ApiDeps; bearerToken?: string | null }): Context {
  return { deps: opts.deps, bearerToken: opts.bearerToken ?? null };
}

/** Calls in one batched request at most (the web client's batch link sends as many). */
export const MAX_BATCH_SIZE = 20;

/**
 * The context of an HTTP call: the bearer token comes from the `Authorization` header, or, for
 * a subscription only, from its `connectionParams.token`: a browser's `EventSource` cannot send
 * headers, so tRPC puts those in the query string of the SSE request. A token in a query string
 * ends up in logs and history, so it authorises nothing but that stream.
 */
export function createExpressContext(deps: ApiDeps) {
  return ({ req, info }: CreateExpressContextOptions): Context => {
    const fromHeader = bearerToken(req.headers.authorization);
    const fromParams = info.type === 'subscription' ? info.connectionParams?.token : undefined;
    return createInnerContext({
      deps,
      bearerToken: fromHeader ?? (typeof fromParams === 'string' && fromParams !== '' ? fromParams : null),
    });
  };
}

/** NOT_FOUND with the message every procedure uses: what was looked for, and that it is not in this workspace. */
export function notFound(kind: string, id: string): TRPCError {
  return new TRPCError({ code: 'NOT_FOUND', message: `no ${kind} with the id "${id}" in this workspace` });
}

/** A graph that cannot be published; its problems travel to the client in `error.data.problems`. */
export class GraphProblemsError extends Error {
  constructor(
    message: string,
    readonly problems: readonly GraphProblem[],
  ) {
    super(message);
    this.name = 'GraphProblemsError';
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

/** "name: name is required; draft.nodes[0].id: node id is empty" */
export function describeZodError(error: ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length > 0 ? `${formatPath(issue.path)}: ${issue.message}` : issue.message))
    .join('; ');
}

/** Field errors in the shape of zod's `flatten()`, plus every issue with its full path. */
function zodFieldErrors(error: ZodError) {
  const flat = z.flattenError(error);
  return {
    formErrors: flat.formErrors,
    fieldErrors: flat.fieldErrors as Record<string, string[] | undefined>,
    issues: error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message })),
  };
}

const t = initTRPC.context<Context>().create({
  // Dates (createdAt, run timings …) arrive as Dates; the web app's links use superjson too.
  transformer: superjson,
  sse: {
    // Keeps proxies from closing an idle stream; the client reconnects when pings stop.
    ping: { enabled: true, intervalMs: 15_000 },
    client: { reconnectAfterInactivityMs: 40_000 },
  },
  errorFormatter({ shape, error }) {
    const { cause } = error;
    const { stack: _stack, ...data } = shape.data;
    const internal = error.code === 'INTERNAL_SERVER_ERROR';
    return {
      ...shape,
      // Unexpected errors keep their details in the log: they may name internals.
      message: internal ? 'an unexpected error occurred; it has been logged' : shape.message,
      data: {
        ...data,
        zodError: cause instanceof ZodError ? zodFieldErrors(cause) : null,
        problems: cause instanceof GraphProblemsError ? cause.problems : null,
        /** For an app that cannot be deleted: the scenarios using it. */
        usedBy: cause instanceof AppInUseError ? [...cause.scenarioNames] : null,
      },
    };
  },
});

/** Maps the errors repositories and drivers throw to tRPC codes with a message a person can act on. */
function domainError(error: TRPCError): TRPCError | null {
  const cause = error.cause;
  if (error.code === 'BAD_REQUEST' && cause instanceof ZodError) {
    return new TRPCError({
      code: 'BAD_REQUEST',
      message: `invalid input: ${describeZodError(cause)}`,
      cause,
    });
  }
  if (error.code !== 'INTERNAL_SERVER_ERROR') return null;
  if (cause instanceof ZodError) {
    return new TRPCError({
      code: 'BAD_REQUEST',
      message: `invalid input: ${describeZodError(cause)}`,
      cause,
    });
  }
  if (cause instanceof InvalidIdError)
    return new TRPCError({ code: 'BAD_REQUEST', message: cause.message, cause });
  // A trigger filter out of time (webhook/match.ts) while redelivering: retry later.
  if (cause instanceof HttpError && cause.status === 503)
    return new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: cause.message, cause });
  if (cause instanceof InvalidCursorError)
    return new TRPCError({ code: 'BAD_REQUEST', message: `cursor: ${cause.message}`, cause });
  if (cause instanceof AppInUseError) {
    return new TRPCError({
      code: 'CONFLICT',
      message: `${cause.message}; remove its trigger from ${cause.scenarioNames.length === 1 ? 'that scenario' : 'those scenarios'} (or delete ${cause.scenarioNames.length === 1 ? 'it' : 'them'}) first`,
      cause,
    });
  }
  if (cause instanceof AppKeyTakenError) {
    return new TRPCError({
      code: 'CONFLICT',
      message: `an app with the key "${cause.key}" exists already; app keys are global, choose another`,
      cause,
    });
  }
  if (isDuplicateKeyError(cause)) {
    const keyValue = (cause as { keyValue?: Record<string, unknown> }).keyValue;
    const what = keyValue
      ? Object.entries(keyValue)
          .map(([key, value]) => `${key} "${String(value)}"`)
          .join(', ')
      : 'the same unique fields';
    return new TRPCError({ code: 'CONFLICT', message: `a record with ${what} exists already`, cause });
  }
  if (isDatabaseUnavailable(cause)) {
    return new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: DATABASE_UNAVAILABLE_MESSAGE, cause });
  }
  return null;
}

const mapDomainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const mapped = domainError(result.error);
    if (mapped) throw mapped;
  }
  return result;
});

/**
 * The one place scopes are enforced: a valid, unexpired bearer token whose scope covers the
 * call. `needed` is set for a whole router (tokens: admin); otherwise a mutation needs `editor`
 * and a query or subscription `read-only` (core's `scopeForCall`).
 */
function requireToken(needed?: ApiTokenScope) {
  return t.middleware(async ({ ctx, type, next }) => {
    const auth = await authenticate(ctx.deps.database.models, ctx.bearerToken, ctx.deps.clock());
    if (!auth.ok) throw new TRPCError({ code: 'UNAUTHORIZED', message: auth.message });
    const { workspaceId, tokenId, grant } = auth.principal;
    const refusal = scopeRefusal(grant.scope, needed ?? scopeForCall(type));
    if (refusal) throw new TRPCError({ code: 'FORBIDDEN', message: refusal });
    return next({ ctx: { workspaceId, tokenId, grant } });
  });
}

export const createTRPCRouter = t.router;
export const mergeRouters = t.mergeRouters;
export const createCallerFactory = t.createCallerFactory;
/** No authentication. */
export const publicProcedure = t.procedure.use(mapDomainErrors).use(
  // A change to scenarios or apps reaches the webhook route's scenario cache at once.
  t.middleware(async ({ ctx, type, path, next }) => {
    const result = await next();
    if (type === 'mutation' && /^(scenarios|apps)\./.test(path)) forgetWebhookScenarios(ctx.deps);
    return result;
  }),
);
/**
 * A valid bearer token; `ctx.workspaceId` scopes every query. Mutations need scope `editor`,
 * queries and subscriptions `read-only`.
 */
export const protectedProcedure = publicProcedure.use(requireToken());
/** A valid bearer token of scope `admin`, whatever the call (minting and revoking tokens). */
export const adminProcedure = publicProcedure.use(requireToken('admin'));
