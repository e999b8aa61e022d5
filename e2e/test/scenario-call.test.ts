import { createWorkspace, type RunDoc, toObjectId } from '@weft/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deliverToOneRun,
  openStack,
  seedPublishedScenario,
  seedSignedApp,
  stepOf,
  waitForFinalRun,
} from './harness.js';
import { startSink } from './sink.js';

/**
 * A webhook's scenario calls a "sync customer" scenario and waits for it: the built api and
 * runner as processes, the webhook over HTTP, a local sink as the CRM and as the notified
 * service. The parent suspends, the child calls the CRM, the parent is resumed with the child's
 * output and sends it on; a failing child fails the parent's call step.
 */

const SECRET = 'scenario-call-shared-secret-0123';
const stack = await openStack('e2e_call');
const { db, apiUrl } = stack;
const sink = await startSink((p) => {
  if (p === '/crm/customers/unknown') return { status: 404, body: { error: 'no such customer' } };
  if (p.startsWith('/crm/customers/'))
    return { status: 200, body: { id: p.split('/').at(-1), tier: 'gold' } };
  return { status: 200, body: { ok: true } };
});
const position = { x: 0, y: 0 };

beforeAll(async () => {
  const workspace = await createWorkspace(db.models, 'e2e calls');
  const appId = await seedSignedApp(stack, workspace._id, { key: 'e2e-calls', name: 'Shop', secret: SECRET });
  const syncId = await seedPublishedScenario(db, workspace._id, {
    name: 'Sync customer',
    enabled: false,
    draft: {
      nodes: [
        { id: 'start', type: 'trigger.manual', version: 1, config: {}, position },
        {
          id: 'fetch',
          type: 'http.request',
          version: 2,
          config: { method: 'GET', url: `${sink.url}/crm/customers/{{ trigger.customerId }}` },
          retry: { maxAttempts: 1 },
          position,
        },
        {
          id: 'result',
          type: 'transform',
          version: 1,
          config: { expression: '{ "customerId": trigger.customerId, "tier": nodes.fetch.body.tier }' },
          position,
        },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'fetch' },
        { id: 'e2', source: 'fetch', target: 'result' },
      ],
    },
  });
  await seedPublishedScenario(db, workspace._id, {
    name: 'Orders',
    draft: {
      nodes: [
        { id: 'hook', type: 'trigger.webhook', version: 1, config: { appId }, position },
        {
          id: 'sync',
          type: 'scenario.call',
          version: 1,
          config: { scenarioId: syncId, input: { customerId: '{{ trigger.body.customer }}' } },
          position,
        },
        {
          id: 'notify',
          type: 'http.request',
          version: 2,
          config: { method: 'POST', url: `${sink.url}/notify`, body: '{{ nodes.sync.output.result }}' },
          position,
        },
      ],
      edges: [
        { id: 'e1', source: 'hook', target: 'sync' },
        { id: 'e2', source: 'sync', target: 'notify' },
      ],
    },
  });
  await stack.start({ token: `weft_${'c'.repeat(43)}`, runners: ['e2e-call-runner'] });
});

afterAll(async () => {
  await stack.stop();
  await sink.close();
});

const deliver = (body: Record<string, unknown>) => deliverToOneRun(stack, 'e2e-calls', SECRET, body);
const finished = (runId: string) => waitForFinalRun(db, runId);

const childrenOf = (runId: string) =>
  db.models.Run.find({ 'parent.runId': toObjectId(runId) })
    .lean<RunDoc[]>()
    .exec();

describe('a webhook scenario calls another scenario and waits for it', () => {
  it('the child calls the CRM, the parent is resumed with its output and sends it on', async () => {
    const runId = await deliver({ id: 'evt-1', customer: 'c-7' });
    const parent = await finished(runId);
    expect(parent.status).toBe('succeeded');
    const children = await childrenOf(runId);
    expect(children).toHaveLength(1);
    const child = children[0]!;
    expect(child).toMatchObject({
      status: 'succeeded',
      trigger: { kind: 'call' },
      input: { customerId: 'c-7' },
    });
    expect(child.parent).toMatchObject({ nodeId: 'sync', wait: true });
    expect(child.parent?.runId.toHexString()).toBe(runId);
    // Suspended while the child ran, claimed again for its outcome.
    expect(parent.claims).toBe(2);
    expect(stepOf(parent, 'sync')).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      output: {
        runId: child._id.toHexString(),
        status: 'succeeded',
        output: { result: { customerId: 'c-7', tier: 'gold' } },
      },
    });
    expect(sink.requests.filter((r) => r.path === '/crm/customers/c-7')).toHaveLength(1);
    const notified = sink.requests.filter((r) => r.path === '/notify');
    expect(notified.map((r) => JSON.parse(r.body))).toEqual([{ customerId: 'c-7', tier: 'gold' }]);
    expect(notified[0]!.headers['idempotency-key']).toBe(`${runId}:notify`);

    // The api links both ways.
    const token = `weft_${'c'.repeat(43)}`;
    const get = async (id: string) => {
      const url = `${apiUrl}/trpc/runs.get?input=${encodeURIComponent(JSON.stringify({ json: { id } }))}`;
      const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      return ((await response.json()) as { result: { data: { json: Record<string, unknown> } } }).result.data
        .json;
    };
    expect((await get(runId)).children).toEqual([
      expect.objectContaining({ runId: child._id.toHexString(), nodeId: 'sync', status: 'succeeded' }),
    ]);
    expect((await get(child._id.toHexString())).parent).toMatchObject({ runId, nodeId: 'sync' });
  });

  it("a failing child is the call step's error: the parent fails and does not notify", async () => {
    const before = sink.requests.filter((r) => r.path === '/notify').length;
    const runId = await deliver({ id: 'evt-2', customer: 'unknown' });
    const parent = await finished(runId);
    expect(parent.status).toBe('failed');
    const [child] = await childrenOf(runId);
    expect(child?.status).toBe('failed');
    expect(child?.error?.code).toBe('http_4xx');
    expect(stepOf(parent, 'sync')?.error).toMatchObject({
      code: 'http_4xx',
      details: { childRunId: child!._id.toHexString(), childStatus: 'failed' },
    });
    expect(parent.error).toMatchObject({ code: 'http_4xx', details: { nodeId: 'sync' } });
    expect(sink.requests.filter((r) => r.path === '/notify')).toHaveLength(before);
  });
});
