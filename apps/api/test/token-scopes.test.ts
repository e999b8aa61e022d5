import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import { type ApiTokenScope, scopeAllows } from '@weft/core';
import { createApiToken, createWorkspace } from '@weft/db';
import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import type { AppRouter } from '../src/types.js';
import { publishedManualScenario, rejection } from './fixtures.js';
import { type Caller, callerFor, request, useApi } from './harness.js';
import { recordingFetch } from './recorder.js';

/** The api's clock: tests move it to expire tokens. */
let now = new Date('2026-06-01T12:00:00Z');
const h = useApi({ clock: () => now });
const minutes = (n: number) => new Date(now.getTime() + n * 60_000);

async function tokenOf(scope: ApiTokenScope, expiresAt: Date | null = null) {
  const { token, doc } = await createApiToken(h.db.models, h.workspaceId, `${scope} token`, undefined, now, {
    scope,
    expiresAt,
  });
  return { token, id: doc._id.toHexString(), caller: callerFor(h.deps, token) };
}

/** One call of each kind, and what it needs. */
const calls: { name: string; needs: ApiTokenScope; call: (c: Caller, token: string) => Promise<unknown> }[] =
  [
    { name: 'scenarios.list (query)', needs: 'read-only', call: (c) => c.scenarios.list({}) },
    { name: 'registry.nodes (query)', needs: 'read-only', call: (c) => c.registry.nodes() },
    { name: 'auth.whoami (query)', needs: 'read-only', call: (c) => c.auth.whoami() },
    {
      name: 'runs.onChange (subscription)',
      needs: 'read-only',
      call: async (_c, token) => {
        const controller = new AbortController();
        const iterable = await callerFor(h.deps, token, controller.signal).runs.onChange();
        controller.abort();
        return iterable;
      },
    },
    {
      name: 'scenarios.create (mutation)',
      needs: 'editor',
      call: (c) => c.scenarios.create({ name: 'By scope' }),
    },
    { name: 'tokens.list', needs: 'admin', call: (c) => c.tokens.list() },
    {
      name: 'tokens.create',
      needs: 'admin',
      call: (c) => c.tokens.create({ name: 'minted', scope: 'read-only' }),
    },
  ];

describe('token scopes', () => {
  it('each scope may call what it covers and gets FORBIDDEN naming the scope needed otherwise', async () => {
    for (const scope of ['admin', 'editor', 'read-only'] as const) {
      const { token, caller } = await tokenOf(scope);
      for (const { name, needs, call } of calls) {
        if (scopeAllows(scope, needs)) {
          await expect(call(caller, token), `${scope} → ${name}`).resolves.toBeDefined();
        } else {
          const error = await rejection(call(caller, token));
          expect(error.code, `${scope} → ${name}`).toBe('FORBIDDEN');
          expect(error.message).toContain(`scope "${needs}"`);
          expect(error.message).toContain(`this token's scope is "${scope}"`);
        }
      }
    }
  });

  it('a refused mutation changes nothing', async () => {
    const { caller } = await tokenOf('read-only');
    await rejection(caller.scenarios.create({ name: 'Never stored' }));
    const { caller: editor } = await tokenOf('editor');
    await rejection(editor.tokens.create({ name: 'never minted', scope: 'read-only' }));
    const names = (await h.caller.scenarios.list({})).items.map((s) => s.name);
    expect(names).not.toContain('Never stored');
    expect((await h.caller.tokens.list()).map((t) => t.name)).not.toContain('never minted');
  });

  it('tokens from before scopes (no scope stored) and the harness token are admin', async () => {
    const workspace = await createWorkspace(h.db.models, 'Older');
    const token = 'weft_an-older-token-without-scope-0123456789abcdef';
    // As an older api stored it: no scope, no expiry.
    await h.db.models.ApiToken.collection.insertOne({
      workspaceId: workspace._id,
      name: 'older',
      tokenHash: (await import('@weft/db')).hashToken(token),
      prefix: token.slice(0, 11),
      createdAt: now,
      lastUsedAt: null,
      revokedAt: null,
    });
    const older = callerFor(h.deps, token);
    expect((await older.auth.whoami()).token).toMatchObject({ scope: 'admin', expiresAt: null });
    expect((await older.tokens.list()).map((t) => t.scope)).toEqual(['admin']);
    expect((await h.caller.auth.whoami()).token.scope).toBe('admin');
  });
});

describe('minting', () => {
  it('mints the scope and expiry asked for; the new token acts with them', async () => {
    const created = await h.caller.tokens.create({ name: 'ci', scope: 'read-only', expiresAt: minutes(30) });
    expect(created).toMatchObject({ scope: 'read-only', expiresAt: minutes(30) });
    const ci = callerFor(h.deps, created.token);
    expect((await ci.auth.whoami()).token).toMatchObject({ id: created.id, scope: 'read-only' });
    expect((await rejection(ci.scenarios.create({ name: 'x' }))).code).toBe('FORBIDDEN');
  });

  it('never an expiry later than its own, none when it has one, or one already past', async () => {
    const { caller } = await tokenOf('admin', minutes(60));
    const none = await rejection(caller.tokens.create({ name: 'forever', scope: 'editor' }));
    expect(none.code).toBe('BAD_REQUEST');
    expect(none.message).toMatch(/^expiresAt: .*must expire too/);
    const longer = await rejection(
      caller.tokens.create({ name: 'longer', scope: 'editor', expiresAt: minutes(61) }),
    );
    expect(longer.code).toBe('BAD_REQUEST');
    expect(longer.message).toContain('cannot outlive this token');
    const past = await rejection(
      h.caller.tokens.create({ name: 'past', scope: 'editor', expiresAt: minutes(-1) }),
    );
    expect(past.message).toMatch(/^expiresAt: .*past/);
    const fits = await caller.tokens.create({ name: 'fits', scope: 'editor', expiresAt: minutes(60) });
    expect(fits.expiresAt).toEqual(minutes(60));
    const names = (await h.caller.tokens.list()).map((t) => t.name);
    expect(names).not.toEqual(expect.arrayContaining(['forever']));
    expect(names).not.toContain('longer');
    expect(names).not.toContain('past');
  });

  it('a bad scope is BAD_REQUEST naming the field', async () => {
    const error = await rejection(
      h.caller.tokens.create({ name: 'root', scope: 'root' as unknown as ApiTokenScope }),
    );
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toContain('scope: scope must be one of "admin", "editor", "read-only"');
  });

  it('the last live admin token cannot be revoked; editor and read-only tokens do not count', async () => {
    const workspace = await createWorkspace(h.db.models, 'Alone');
    const admin = await createApiToken(h.db.models, workspace._id, 'admin', undefined, now);
    const caller = callerFor(h.deps, admin.token);
    await caller.tokens.create({ name: 'editor', scope: 'editor' });
    const expiring = await caller.tokens.create({
      name: 'expiring admin',
      scope: 'admin',
      expiresAt: minutes(5),
    });
    now = minutes(10);
    const refused = await rejection(caller.tokens.revoke({ id: admin.doc._id.toHexString() }));
    expect(refused.code).toBe('PRECONDITION_FAILED');
    expect(refused.message).toContain('last active admin token');
    const other = await caller.tokens.create({ name: 'second admin', scope: 'admin' });
    expect(
      (await callerFor(h.deps, other.token).tokens.revoke({ id: admin.doc._id.toHexString() })).revokedAt,
    ).toEqual(now);
    expect(expiring.scope).toBe('admin');
  });
});

describe('expiry', () => {
  it('a token works until its expiry, then is UNAUTHORIZED "token expired"', async () => {
    const { caller } = await tokenOf('editor', minutes(5));
    expect((await caller.auth.whoami()).token.expiresAt).toEqual(minutes(5));
    now = minutes(5);
    const error = await rejection(caller.auth.whoami());
    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.message).toContain('token expired');
  });
});

describe('over HTTP', () => {
  function client(token: string) {
    return createTRPCClient<AppRouter>({
      links: [
        httpBatchLink({
          url: `${h.baseUrl}/trpc`,
          transformer: superjson,
          fetch: recordingFetch,
          headers: { authorization: `Bearer ${token}` },
        }),
      ],
    });
  }

  it('a read-only token reads, is 403 FORBIDDEN on a mutation and on POST /trigger; an expired one is 401', async () => {
    const { scenario } = await publishedManualScenario(h.caller, 'Triggered over HTTP');
    const readOnly = await tokenOf('read-only', minutes(10));
    const http = client(readOnly.token);
    expect((await http.scenarios.list.query({})).items.length).toBeGreaterThan(0);
    const refused = await http.scenarios.create.mutate({ name: 'Over HTTP' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TRPCClientError);
    expect((refused as TRPCClientError<AppRouter>).data?.httpStatus).toBe(403);
    expect((refused as TRPCClientError<AppRouter>).data?.code).toBe('FORBIDDEN');
    expect((refused as Error).message).toContain('scope "editor"');

    const trigger = (token: string) =>
      request(`${h.baseUrl}/trigger/${scenario.id}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
      });
    const forbidden = await trigger(readOnly.token);
    expect(forbidden.status).toBe(403);
    expect(forbidden.json).toMatchObject({ error: 'forbidden' });
    expect(forbidden.json.message).toContain('scope "editor"');
    expect((await trigger((await tokenOf('editor')).token)).status).toBe(202);

    now = minutes(10);
    const expired = await http.scenarios.list.query({}).catch((e: unknown) => e);
    expect((expired as TRPCClientError<AppRouter>).data?.httpStatus).toBe(401);
    expect((expired as Error).message).toContain('token expired');
    const expiredTrigger = await trigger(readOnly.token);
    expect(expiredTrigger.status).toBe(401);
    expect(expiredTrigger.json.message).toContain('token expired');
  });
});
