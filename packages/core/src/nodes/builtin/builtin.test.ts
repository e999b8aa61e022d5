import { describe, expect, it } from 'vitest';
import { recordingContext } from '../test-context.js';
import { condition } from './condition.js';
import { delay } from './delay.js';
import { httpRequest } from './http-request.js';
import { logger } from './logger.js';
import { merge } from './merge.js';
import { transform } from './transform.js';
import { webhookTrigger } from './triggers.js';
import { webhookSend } from './webhook-send.js';

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

describe('http.request', () => {
  const connectionId = 'aaaaaaaaaaaaaaaaaaaaaaaa';

  it('sends the request with query, JSON body, bearer auth and an idempotency key per run and node', async () => {
    const ctx = recordingContext({
      respond: () => json(201, { id: 7 }),
      secrets: { [connectionId]: { token: 's3cr3t' } },
    });
    const config = httpRequest.configSchema.parse({
      method: 'POST',
      url: 'https://api.example.com/orders?x=1',
      query: { y: '2' },
      body: { a: 1 },
      connectionId,
      auth: { kind: 'bearer' },
    });
    const result = await httpRequest.execute(ctx, {}, config);
    expect(result).toEqual({
      kind: 'success',
      data: { status: 201, headers: { 'content-type': 'application/json' }, body: { id: 7 } },
    });
    expect(ctx.requests).toEqual([
      {
        method: 'POST',
        url: 'https://api.example.com/orders?x=1&y=2',
        headers: {
          Authorization: 'Bearer s3cr3t',
          'Idempotency-Key': 'run1:node1',
          'Content-Type': 'application/json',
        },
        body: '{"a":1}',
        timeoutMs: 30_000,
      },
    ]);
  });

  it('keeps an idempotency key the user set', async () => {
    const ctx = recordingContext({ respond: () => json(200, {}) });
    const config = httpRequest.configSchema.parse({
      url: 'https://x.example',
      headers: { 'idempotency-key': 'mine' },
    });
    await httpRequest.execute(ctx, {}, config);
    expect(ctx.requests[0]?.headers).toEqual({ 'idempotency-key': 'mine' });
  });

  it('503 and 429 are retryable (Retry-After kept), 404 is fatal', async () => {
    const config = httpRequest.configSchema.parse({ url: 'https://x.example' });
    const r503 = await httpRequest.execute(
      recordingContext({ respond: () => json(503, { e: 1 }) }),
      {},
      config,
    );
    expect(r503).toMatchObject({ kind: 'retryable_error', error: { code: 'http_5xx' } });
    const r429 = await httpRequest.execute(
      recordingContext({ respond: () => json(429, {}, { 'retry-after': '7' }) }),
      {},
      config,
    );
    expect(r429).toMatchObject({ kind: 'retryable_error', error: { code: 'http_429', retryAfterMs: 7_000 } });
    const r404 = await httpRequest.execute(
      recordingContext({ respond: () => json(404, { e: 'missing' }) }),
      {},
      config,
    );
    expect(r404).toMatchObject({
      kind: 'fatal_error',
      error: { code: 'http_4xx', details: { status: 404 } },
    });
  });

  it('an error status is data when failOnErrorStatus is off', async () => {
    const config = httpRequest.configSchema.parse({ url: 'https://x.example', failOnErrorStatus: false });
    const result = await httpRequest.execute(
      recordingContext({ respond: () => json(500, { e: 1 }) }),
      {},
      config,
    );
    expect(result).toMatchObject({ kind: 'success', data: { status: 500, body: { e: 1 } } });
  });

  it('a network failure is retryable, a missing secret is fatal', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const ctx = recordingContext({
      respond: () => {
        throw refused;
      },
    });
    const result = await httpRequest.execute(
      ctx,
      {},
      httpRequest.configSchema.parse({ url: 'https://x.example' }),
    );
    expect(result).toMatchObject({ kind: 'retryable_error', error: { code: 'network' } });

    const noSecret = recordingContext({ secrets: { [connectionId]: {} } });
    const config = httpRequest.configSchema.parse({
      url: 'https://x.example',
      connectionId,
      auth: { kind: 'bearer' },
    });
    expect(await httpRequest.execute(noSecret, {}, config)).toMatchObject({
      kind: 'fatal_error',
      error: { code: 'secret_missing', message: 'the connection has no secret "token"' },
    });
    expect(noSecret.requests).toHaveLength(0);
  });

  it('refuses auth without a connection and a body on GET, naming the field', () => {
    const parsed = httpRequest.configSchema.safeParse({
      url: 'https://x.example',
      auth: { kind: 'bearer' },
      body: 'x',
    });
    expect(parsed.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['connectionId', 'auth "bearer" needs a connection'],
      ['body', 'GET requests carry no body'],
    ]);
    const oauth2 = httpRequest.configSchema.safeParse({ url: 'https://x.example', auth: { kind: 'oauth2' } });
    expect(oauth2.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['connectionId', 'auth "oauth2" needs a connection'],
    ]);
  });
});

describe('transform and condition', () => {
  const ctx = () => recordingContext({ trigger: { body: { total: 150, items: [{ p: 1 }, { p: 2 }] } } });

  it('transform evaluates JSONata over input, trigger and nodes', async () => {
    const result = await transform.execute(
      ctx(),
      { in: { name: 'n' } },
      {
        expression: '{ "name": input.name, "sum": $sum(trigger.body.items.p) }',
      },
    );
    expect(result).toEqual({ kind: 'success', data: { name: 'n', sum: 3 } });
  });

  it('a failing expression is a fatal expression_error naming node and field', async () => {
    const result = await transform.execute(ctx(), {}, { expression: '$notAFunction(1)' });
    expect(result).toMatchObject({ kind: 'fatal_error', error: { code: 'expression_error' } });
    if (result.kind === 'fatal_error')
      expect(result.error.message).toMatch(/node "node1", field "expression"/);
  });

  it('condition fires the true or the false handle and passes its input through', async () => {
    expect(await condition.execute(ctx(), { in: 1 }, { expression: 'trigger.body.total > 100' })).toEqual({
      kind: 'success',
      data: 1,
      handles: ['true'],
    });
    expect(await condition.execute(ctx(), { in: 1 }, { expression: 'trigger.body.total > 1000' })).toEqual({
      kind: 'success',
      data: 1,
      handles: ['false'],
    });
    // An empty list is false, as a person expects.
    expect(await condition.execute(ctx(), {}, { expression: '[]' })).toMatchObject({ handles: ['false'] });
  });
});

describe('delay', () => {
  it('waits from the step start and succeeds once the time has come, even after a resume', async () => {
    const start = new Date('2030-01-01T00:00:00Z');
    const waiting = await delay.execute(
      recordingContext({ stepStartedAt: start, now: new Date(start.getTime() + 1_000) }),
      { in: 'x' },
      {
        durationMs: 60_000,
      },
    );
    expect(waiting).toEqual({ kind: 'wait', until: '2030-01-01T00:01:00.000Z' });
    const done = await delay.execute(
      recordingContext({ stepStartedAt: start, now: new Date(start.getTime() + 60_000) }),
      { in: 'x' },
      {
        durationMs: 60_000,
      },
    );
    expect(done).toEqual({ kind: 'success', data: 'x' });
  });

  it('needs exactly one of durationMs and until', () => {
    expect(delay.configSchema.safeParse({}).error?.issues[0]?.message).toBe(
      'set exactly one of durationMs and until',
    );
    expect(delay.configSchema.safeParse({ durationMs: 1, until: '2030-01-01' }).success).toBe(false);
  });
});

describe('merge, logger, triggers', () => {
  it('merge joins the inputs of the branches that ran', async () => {
    const ctx = recordingContext({});
    expect(await merge.execute(ctx, { in: [{ a: 1 }, { b: 2 }] }, { mode: 'array' })).toEqual({
      kind: 'success',
      data: [{ a: 1 }, { b: 2 }],
    });
    expect(await merge.execute(ctx, { in: [{ a: 1 }, { a: 3, b: 2 }] }, { mode: 'object' })).toEqual({
      kind: 'success',
      data: { a: 3, b: 2 },
    });
    expect(await merge.execute(ctx, { in: [5] }, { mode: 'first' })).toEqual({ kind: 'success', data: 5 });
  });

  it('logger writes a log line and passes its input through', async () => {
    const ctx = recordingContext({});
    expect(
      await logger.execute(ctx, { in: { a: 1 } }, { message: 'hello', level: 'warn', data: { k: 1 } }),
    ).toEqual({
      kind: 'success',
      data: { a: 1 },
    });
    expect(ctx.logs).toEqual([{ level: 'warn', message: 'hello', data: { k: 1 } }]);
  });

  it('a trigger outputs what started the run', async () => {
    const ctx = recordingContext({ trigger: { body: { id: 1 } } });
    const config = webhookTrigger.configSchema.parse({ appId: 'aaaaaaaaaaaaaaaaaaaaaaaa' });
    expect(await webhookTrigger.execute(ctx, {}, config)).toEqual({
      kind: 'success',
      data: { body: { id: 1 } },
    });
  });
});

describe('webhook.send', () => {
  it('posts a signed event with a webhook id stable across retries', async () => {
    const connectionId = 'bbbbbbbbbbbbbbbbbbbbbbbb';
    const ctx = recordingContext({
      respond: () => ({ status: 204, headers: {}, body: '' }),
      secrets: { [connectionId]: { signingSecret: 'whsec_x' } },
    });
    const config = webhookSend.configSchema.parse({
      url: 'https://partner.example/h',
      connectionId,
      eventType: 'order.shipped',
      payload: { id: 1 },
    });
    const result = await webhookSend.execute(ctx, {}, config);
    expect(result).toMatchObject({ kind: 'success', data: { status: 204 } });
    const request = ctx.requests[0]!;
    expect(request.headers).toMatchObject({
      'webhook-id': 'msg_run1_node1',
      'Idempotency-Key': 'run1:node1',
    });
    expect(JSON.parse(request.body ?? '')).toEqual({
      type: 'order.shipped',
      timestamp: '2030-01-01T00:00:00.000Z',
      data: { id: 1 },
    });
  });
});
