import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import { TRPCError } from '@trpc/server';
import { appendRunLogs, createApiToken, createWorkspace, toObjectId } from '@weft/db';
import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import type { AppRouter } from '../src/router/index.js';
import { GraphProblemsError } from '../src/trpc.js';
import { callerFor, postSigned, SECRETS, uniqueKey, useApi, webhookGraph } from './harness.js';
import { recordingFetch } from './recorder.js';

const h = useApi();

function httpClient(token: string | null) {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${h.baseUrl}/trpc`,
        transformer: superjson,
        fetch: recordingFetch,
        headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
      }),
    ],
  });
}

async function rejection(promise: Promise<unknown>): Promise<TRPCError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

async function clientRejection(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCClientError) return error as TRPCClientError<AppRouter>;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('authentication', () => {
  it('no token or an unknown token is UNAUTHORIZED', async () => {
    const anonymous = callerFor(h.deps, null);
    expect(
      (await rejection(anonymous.apps.create({ key: 'x1', name: 'x', signature: { scheme: 'github' } })))
        .code,
    ).toBe('UNAUTHORIZED');
    const wrong = callerFor(h.deps, 'weft_unknown');
    expect((await rejection(wrong.runs.get({ id: '0123456789abcdef01234567' }))).code).toBe('UNAUTHORIZED');

    const overHttp = await clientRejection(
      httpClient(null).apps.create.mutate({ key: 'x2', name: 'x', signature: { scheme: 'github' } }),
    );
    expect(overHttp.data?.code).toBe('UNAUTHORIZED');
    expect(overHttp.data?.httpStatus).toBe(401);
  });

  it("a token's use is recorded in the background", async () => {
    const { token, doc } = await createApiToken(h.db.models, h.workspaceId, 'touched');
    const caller = callerFor(h.deps, token);
    await caller.scenarios.create({ name: 'touch' });
    await expect
      .poll(async () => (await h.db.models.ApiToken.findById(doc._id).lean().exec())?.lastUsedAt ?? null)
      .toBeInstanceOf(Date);
  });

  it('a workspace sees only its own records', async () => {
    const app = await h.caller.apps.create({
      key: uniqueKey(),
      name: 'Mine',
      signature: { scheme: 'github' },
    });
    const scenario = await h.caller.scenarios.create({ name: 'Mine' });
    const other = await createWorkspace(h.db.models, 'Other');
    const { token } = await createApiToken(h.db.models, other._id, 'other');
    const stranger = callerFor(h.deps, token);
    expect((await rejection(stranger.apps.get({ id: app.id }))).code).toBe('NOT_FOUND');
    expect((await rejection(stranger.scenarios.get({ id: scenario.id }))).code).toBe('NOT_FOUND');
    expect(
      (
        await rejection(
          stranger.connections.create({ appId: app.id, name: 'steal', secrets: { webhookSecret: 'x' } }),
        )
      ).code,
    ).toBe('NOT_FOUND');
    expect((await rejection(stranger.scenarios.publish({ id: scenario.id }))).code).toBe('NOT_FOUND');
  });
});

describe('apps and connections', () => {
  it('creates an app; a taken key is CONFLICT with a message', async () => {
    const key = uniqueKey();
    const app = await h.caller.apps.create({ key, name: 'Shop', signature: { scheme: 'shopify' } });
    expect(app).toMatchObject({
      key,
      name: 'Shop',
      webhookPath: `/webhook/${key}`,
      defaultConnectionId: null,
    });
    expect(app.signature).toMatchObject({ scheme: 'shopify', toleranceSec: 300 });
    const taken = await rejection(
      h.caller.apps.create({ key, name: 'Again', signature: { scheme: 'github' } }),
    );
    expect(taken.code).toBe('CONFLICT');
    expect(taken.message).toContain(key);
  });

  it('bad input is BAD_REQUEST with field errors, never INTERNAL_SERVER_ERROR', async () => {
    const bad = await rejection(
      h.caller.apps.create({
        key: 'Not A Slug',
        name: '',
        signature: { scheme: 'carrier-pigeon' as 'github' },
      }),
    );
    expect(bad.code).toBe('BAD_REQUEST');
    expect(bad.message).toMatch(/key: app key may contain/);

    const overHttp = await clientRejection(
      httpClient(h.token).apps.create.mutate({
        key: 'Not A Slug',
        name: 'ok',
        signature: { scheme: 'github' },
      }),
    );
    expect(overHttp.data?.code).toBe('BAD_REQUEST');
    expect(overHttp.data?.httpStatus).toBe(400);
    expect(overHttp.data?.zodError?.fieldErrors.key).toEqual([expect.stringMatching(/lowercase letters/)]);
    expect(overHttp.message).toMatch(/^invalid input: key:/);

    const badId = await clientRejection(httpClient(h.token).runs.get.query({ id: 'nope' }));
    expect(badId.data?.code).toBe('BAD_REQUEST');
    expect(badId.data?.zodError?.issues).toEqual([{ path: 'id', message: 'must be a 24-character hex id' }]);
  });

  it('connection secrets are write-only: no response carries them', async () => {
    const secret = 'whsec_c2VjcmV0LW5ldmVyLWxlYXZlcy10aGUtc2VydmVy';
    const key = uniqueKey();
    const app = await h.caller.apps.create({ key, name: 'Svix', signature: { scheme: 'standard-webhooks' } });
    const connection = await h.caller.connections.create({
      appId: app.id,
      name: 'Prod',
      secrets: { webhookSecret: secret, apiKey: 'sk_live_abcdefghijklmnopqrstuvwxyz' },
    });
    expect(connection).toMatchObject({ appId: app.id, hasSecret: true, status: 'active' });
    expect(connection.secretHint).toContain('webhookSecret=whsec_…');

    const viaHttp = await httpClient(h.token).connections.create.mutate({
      appId: app.id,
      name: 'Http',
      secrets: { webhookSecret: secret },
    });
    const appAfter = await h.caller.apps.get({ id: app.id });
    expect(appAfter.defaultConnectionId).toBe(viaHttp.id);

    const scenario = await h.caller.scenarios.create({ name: 'S', draft: webhookGraph(app.id) });
    await h.caller.scenarios.publish({ id: scenario.id });
    await h.caller.scenarios.setEnabled({ id: scenario.id, enabled: true });
    const webhook = await postSigned(
      h,
      { id: app.id, key, secret, signature: { scheme: 'standard-webhooks' } },
      '{}',
    );
    expect(webhook.status).toBe(202);
    const run = await h.caller.runs.get({ id: webhook.json.runIds[0] });

    const everything = JSON.stringify([connection, viaHttp, appAfter, scenario, run, webhook.json]);
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(secret.slice(6));
    expect(everything).not.toContain('sk_live_abcdefghijklmnopqrstuvwxyz');
    const stored = JSON.stringify(
      await h.db.models.Connection.find({ appId: toObjectId(app.id) })
        .lean()
        .exec(),
    );
    expect(stored).not.toContain(secret.slice(6));
  });

  it('a Standard Webhooks app refuses a webhook secret that is not whsec_<base64>', async () => {
    const app = await h.caller.apps.create({
      key: uniqueKey(),
      name: 'Svix',
      signature: { scheme: 'standard-webhooks' },
    });
    const refused = await rejection(
      h.caller.connections.create({ appId: app.id, name: 'x', secrets: { webhookSecret: 'not base64!' } }),
    );
    expect(refused.code).toBe('BAD_REQUEST');
    expect(refused.message).toContain('whsec_');
  });
});

describe('scenarios', () => {
  it('creates with a draft and saves drafts against the current revision; a stale one is CONFLICT', async () => {
    const app = await h.caller.apps.create({ key: uniqueKey(), name: 'A', signature: { scheme: 'github' } });
    const created = await h.caller.scenarios.create({ name: 'Flow', draft: webhookGraph(app.id) });
    expect(created).toMatchObject({
      name: 'Flow',
      revision: 0,
      enabled: false,
      version: 0,
      publishedVersionId: null,
    });
    expect(created.trigger).toEqual({ kind: 'webhook', appId: app.id, filter: null });

    const saved = await h.caller.scenarios.updateDraft({
      id: created.id,
      revision: 0,
      name: 'Flow v2',
      draft: webhookGraph(app.id, 'body.ok = true'),
    });
    expect(saved).toMatchObject({ name: 'Flow v2', revision: 1 });
    expect(saved.trigger).toEqual({ kind: 'webhook', appId: app.id, filter: 'body.ok = true' });

    const stale = await rejection(
      h.caller.scenarios.updateDraft({ id: created.id, revision: 0, draft: webhookGraph(app.id) }),
    );
    expect(stale.code).toBe('CONFLICT');
    expect(stale.message).toContain('current revision is 1');

    const missing = await rejection(
      h.caller.scenarios.updateDraft({
        id: '0123456789abcdef01234567',
        revision: 0,
        draft: webhookGraph(app.id),
      }),
    );
    expect(missing.code).toBe('NOT_FOUND');
  });

  it('validate lists the problems; publish refuses an invalid graph with the problem list', async () => {
    const scenario = await h.caller.scenarios.create({
      name: 'Broken',
      draft: {
        nodes: [
          { id: 'hook', type: 'trigger.webhook', version: 1, config: { appId: 'ffffffffffffffffffffffff' } },
          { id: 'log', type: 'logger', version: 1, config: {} },
          { id: 'mystery', type: 'no.such.type', version: 1, config: {} },
        ],
        edges: [{ id: 'e1', source: 'hook', target: 'log' }],
      },
    });
    const validation = await h.caller.scenarios.validate({ id: scenario.id });
    expect(validation.valid).toBe(false);
    const codes = validation.problems.map((p) => `${p.code}:${p.nodeId ?? ''}`);
    expect(codes).toEqual(
      expect.arrayContaining(['unknown_node_type:mystery', 'invalid_config:log', 'invalid_config:hook']),
    );
    expect(validation.problems.find((p) => p.nodeId === 'hook')?.message).toContain('no app with the id');

    const refused = await rejection(h.caller.scenarios.publish({ id: scenario.id }));
    expect(refused.code).toBe('BAD_REQUEST');
    expect(refused.message).toMatch(/cannot be published: \d+ problems/);
    expect(refused.cause).toBeInstanceOf(GraphProblemsError);
    expect((refused.cause as GraphProblemsError).problems).toEqual(validation.problems);

    const overHttp = await clientRejection(httpClient(h.token).scenarios.publish.mutate({ id: scenario.id }));
    expect(overHttp.data?.code).toBe('BAD_REQUEST');
    expect(overHttp.data?.problems?.map((p) => p.code)).toEqual(validation.problems.map((p) => p.code));
    const stored = await h.caller.scenarios.get({ id: scenario.id });
    expect(stored).toMatchObject({ version: 0, publishedVersionId: null });

    const empty = await h.caller.scenarios.create({ name: 'Empty' });
    const none = await rejection(h.caller.scenarios.publish({ id: empty.id }));
    expect(none.message).toContain('no trigger');
  });

  it('validate takes an unsaved draft too', async () => {
    const app = await h.caller.apps.create({ key: uniqueKey(), name: 'A', signature: { scheme: 'github' } });
    const scenario = await h.caller.scenarios.create({ name: 'Empty' });
    const ok = await h.caller.scenarios.validate({ id: scenario.id, draft: webhookGraph(app.id) });
    expect(ok).toEqual({ valid: true, revision: 0, problems: [] });
  });

  it('publishes versions in order and enables', async () => {
    const app = await h.caller.apps.create({ key: uniqueKey(), name: 'A', signature: { scheme: 'github' } });
    const scenario = await h.caller.scenarios.create({ name: 'Flow', draft: webhookGraph(app.id) });
    const first = await h.caller.scenarios.publish({ id: scenario.id });
    expect(first.version).toMatchObject({ version: 1, scenarioId: scenario.id });
    expect(first.scenario).toMatchObject({ version: 1, publishedVersionId: first.version.id });
    const second = await h.caller.scenarios.publish({ id: scenario.id });
    expect(second.version.version).toBe(2);
    const enabled = await h.caller.scenarios.setEnabled({ id: scenario.id, enabled: true });
    expect(enabled.enabled).toBe(true);
    expect(
      (await rejection(h.caller.scenarios.setEnabled({ id: '0123456789abcdef01234567', enabled: true })))
        .code,
    ).toBe('NOT_FOUND');
  });
});

describe('runs.get', () => {
  it('returns the run with its steps and version, its logs apart, and nothing internal', async () => {
    const key = uniqueKey();
    const app = await h.caller.apps.create({ key, name: 'A', signature: { scheme: 'github' } });
    await h.caller.connections.create({
      appId: app.id,
      name: 'c',
      secrets: { webhookSecret: SECRETS.github },
    });
    const scenario = await h.caller.scenarios.create({ name: 'Flow', draft: webhookGraph(app.id) });
    await h.caller.scenarios.publish({ id: scenario.id });
    await h.caller.scenarios.setEnabled({ id: scenario.id, enabled: true });
    const webhook = await postSigned(
      h,
      { id: app.id, key, secret: SECRETS.github, signature: { scheme: 'github' } },
      '{"a":1}',
    );
    const runId = webhook.json.runIds[0] as string;
    await appendRunLogs(h.db.models, [
      {
        workspaceId: h.workspaceId,
        runId: toObjectId(runId),
        correlationId: 'c',
        nodeId: 'log',
        attempt: 1,
        level: 'info',
        message: 'got it',
        ts: new Date(),
      },
    ]);

    const run = await h.caller.runs.get({ id: runId });
    expect(run).toMatchObject({
      id: runId,
      scenarioId: scenario.id,
      status: 'queued',
      trigger: { kind: 'webhook' },
      input: { body: { a: 1 } },
      scenarioVersion: { version: 1 },
    });
    const logs = await h.caller.runs.logs({ runId });
    expect(logs.items).toMatchObject([{ nodeId: 'log', attempt: 1, level: 'info', message: 'got it' }]);
    expect(logs.nextCursor).toBeNull();
    expect(run.steps).toHaveLength(2);
    expect(Object.keys(run)).not.toContain('leaseOwner');
    expect(Object.keys(run)).not.toContain('claims');
    expect(Object.keys(run)).not.toContain('_id');

    const overHttp = await httpClient(h.token).runs.get.query({ id: runId });
    expect(overHttp.id).toBe(runId);
    expect((await rejection(h.caller.runs.get({ id: '0123456789abcdef01234567' }))).code).toBe('NOT_FOUND');
  });
});
