import {
  createTRPCClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  TRPCClientError,
} from '@trpc/client';
import { claimRun, finishRun, pendingStep, saveStep, toObjectId } from '@weft/db';
import { EventSource } from 'eventsource';
import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import type { AppRouter, RunChangeEvent } from '../src/types.js';
import { finishedRun, publishedManualScenario } from './fixtures.js';
import { useApi } from './harness.js';
import { recordingFetch, recordResponse } from './recorder.js';

const h = useApi();

/**
 * The client the web app builds: queries and mutations batched over HTTP, subscriptions over
 * SSE, superjson both ways. A Node EventSource can send the Authorization header; a browser's
 * cannot, so `auth: 'params'` sends the token as connectionParams.
 */
function client(token: string | null, auth: 'header' | 'params' = 'header') {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url: `${h.baseUrl}/trpc`,
          transformer: superjson,
          EventSource,
          ...(auth === 'params' && token
            ? { connectionParams: { token } }
            : {
                eventSourceOptions: {
                  fetch: (url: string | URL, init?: RequestInit) =>
                    fetch(url, {
                      ...init,
                      headers: { ...(init?.headers as Record<string, string>), ...headers },
                    }),
                },
              }),
        }),
        false: httpBatchLink({
          url: `${h.baseUrl}/trpc`,
          transformer: superjson,
          headers,
          fetch: recordingFetch,
        }),
      }),
    ],
  });
}

interface Watch {
  events: RunChangeEvent[];
  errors: unknown[];
  /** Resolves with the events so far once one matches. */
  until(match: (event: RunChangeEvent) => boolean, timeoutMs?: number): Promise<RunChangeEvent[]>;
  stop(): void;
}

function watch(
  subscribe: (handlers: { onData: (event: RunChangeEvent) => void; onError: (error: unknown) => void }) => {
    unsubscribe(): void;
  },
): Watch {
  const events: RunChangeEvent[] = [];
  const errors: unknown[] = [];
  const waiters: (() => void)[] = [];
  const subscription = subscribe({
    onData: (event) => {
      recordResponse(event);
      events.push(event);
      for (const wake of waiters.splice(0)) wake();
    },
    onError: (error) => {
      errors.push(error);
      for (const wake of waiters.splice(0)) wake();
    },
  });
  return {
    events,
    errors,
    async until(match, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!events.some(match)) {
        if (errors.length > 0) throw errors[0];
        if (Date.now() > deadline)
          throw new Error(`no matching event in ${timeoutMs} ms: ${JSON.stringify(events)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
      return events;
    },
    stop: () => subscription.unsubscribe(),
  };
}

describe('@trpc/client over HTTP against the running app', () => {
  it('queries and mutates with Dates as Dates, batched', async () => {
    const api = client(h.token);
    const [me, created] = await Promise.all([
      api.auth.whoami.query(),
      api.scenarios.create.mutate({ name: 'Over HTTP' }),
    ]);
    expect(me.workspace.id).toBe(h.workspaceId.toHexString());
    expect(created.createdAt).toBeInstanceOf(Date);
    const runs = await api.runs.list.query({ to: new Date(Date.now() + 60_000), limit: 5 });
    expect(Array.isArray(runs.items)).toBe(true);
  });

  it('errors carry their code, HTTP status and zod field errors', async () => {
    const api = client(h.token);
    const refused = await api.scenarios.get.query({ id: 'nope' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TRPCClientError);
    const error = refused as TRPCClientError<AppRouter>;
    expect(error.data?.code).toBe('BAD_REQUEST');
    expect(error.data?.httpStatus).toBe(400);
    expect(error.data?.zodError?.fieldErrors.id).toEqual(['must be a 24-character hex id']);

    // A field the server does not know is named, not ignored (the compiler refuses it too).
    const unknownField = (await api.runs.get
      .query({ id: '0123456789abcdef01234567', extra: 1 } as never)
      .catch((e: unknown) => e)) as TRPCClientError<AppRouter>;
    expect(unknownField.data?.code).toBe('BAD_REQUEST');
    expect(unknownField.message).toContain('Unrecognized key: "extra"');

    const missing = (await api.runs.get
      .query({ id: '0123456789abcdef01234567' })
      .catch((e: unknown) => e)) as TRPCClientError<AppRouter>;
    expect(missing.data).toMatchObject({ code: 'NOT_FOUND', httpStatus: 404 });
    expect(missing.message).toBe('no run with the id "0123456789abcdef01234567" in this workspace');

    const anonymous = (await client(null)
      .apps.list.query()
      .catch((e: unknown) => e)) as TRPCClientError<AppRouter>;
    expect(anonymous.data?.httpStatus).toBe(401);
  });

  it('the SSE subscription receives a run’s status changes as the run is updated', async () => {
    const api = client(h.token);
    const { scenario } = await publishedManualScenario(h.caller, 'Live over SSE');
    const failed = await finishedRun(h, scenario);
    const replay = await api.runs.replay.mutate({ id: failed, from: 'failure' });

    const live = watch((handlers) => api.runs.onChange.subscribe({ runId: replay.id }, handlers));
    const first = await live.until(() => true);
    expect(first[0]).toMatchObject({ runId: replay.id, status: 'queued' });
    expect(first[0]!.updatedAt).toBeInstanceOf(Date);

    // A runner's writes, through the db repositories.
    const { models } = h.db;
    const owner = 'sse-test-runner';
    await claimRun(models, replay.id, { owner, leaseMs: 60_000 });
    const at = new Date();
    await saveStep(models, replay.id, owner, {
      ...pendingStep('double', 'transform'),
      status: 'running',
      attempts: 1,
      startedAt: at,
    });
    await live.until((e) => e.steps.some((s) => s.nodeId === 'double' && s.status === 'running'));
    expect(live.events.at(-1)?.status).toBe('running');
    await saveStep(models, replay.id, owner, {
      ...pendingStep('double', 'transform'),
      status: 'succeeded',
      attempts: 1,
      output: { n: 42 },
      startedAt: at,
      finishedAt: new Date(),
      durationMs: 1,
    });
    await saveStep(models, replay.id, owner, {
      ...pendingStep('log', 'logger'),
      status: 'succeeded',
      attempts: 1,
      output: {},
      startedAt: at,
      finishedAt: new Date(),
      durationMs: 1,
    });
    await finishRun(models, replay.id, owner, { status: 'succeeded' });
    const all = await live.until((e) => e.status === 'succeeded');
    expect(all.at(-1)).toMatchObject({
      runId: replay.id,
      scenarioId: scenario.id,
      status: 'succeeded',
      steps: [
        { nodeId: 'start', status: 'succeeded', attempts: 1 },
        { nodeId: 'double', status: 'succeeded', attempts: 1 },
        { nodeId: 'log', status: 'succeeded', attempts: 1 },
      ],
    });
    expect(all.every((e) => e.runId === replay.id)).toBe(true);
    live.stop();
    await expect.poll(() => h.deps.runEvents.subscriberCount).toBe(0);
  });

  it('a browser-style subscription authenticates with connectionParams and follows a scenario', async () => {
    const api = client(h.token, 'params');
    const { scenario } = await publishedManualScenario(h.caller, 'Scenario feed');
    const live = watch((handlers) => api.runs.onChange.subscribe({ scenarioId: scenario.id }, handlers));
    // No snapshot for a scenario feed: wait until the server holds the subscription.
    await expect.poll(() => h.deps.runEvents.subscriberCount).toBeGreaterThan(0);
    const runId = await finishedRun(h, scenario, { second: 'succeeded' });
    await live.until((e) => e.runId === runId && e.status === 'succeeded');
    expect(live.events.every((e) => e.scenarioId === scenario.id)).toBe(true);
    live.stop();
  });

  it('a subscription without a valid token, or to another workspace’s run, fails with its code', async () => {
    const anonymous = watch((handlers) => client(null).runs.onChange.subscribe({}, handlers));
    await expect.poll(() => anonymous.errors.length).toBeGreaterThan(0);
    expect((anonymous.errors[0] as TRPCClientError<AppRouter>).data?.code).toBe('UNAUTHORIZED');
    anonymous.stop();

    const missing = watch((handlers) =>
      client(h.token).runs.onChange.subscribe(
        { runId: toObjectId('0123456789abcdef01234567').toHexString() },
        handlers,
      ),
    );
    await expect.poll(() => missing.errors.length).toBeGreaterThan(0);
    expect((missing.errors[0] as TRPCClientError<AppRouter>).data?.code).toBe('NOT_FOUND');
    missing.stop();
  });
});
