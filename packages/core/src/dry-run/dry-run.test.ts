import { runCodeInSandbox } from '../sandbox/run-code.js';
import { describe, expect, it } from 'vitest';
import type { ScenarioEdge, ScenarioNode } from '../schemas/graph.js';
import { dryRun } from './dry-run.js';

const position = { x: 0, y: 0 };
const node = (id: string, type: string, config: Record<string, unknown>): ScenarioNode => ({
  id,
  type,
  version: type === 'http.request' ? 2 : 1,
  config,
  position,
});
const edge = (source: string, target: string, sourceHandle = 'out'): ScenarioEdge => ({
  id: `${source}-${target}`,
  source,
  sourceHandle,
  target,
  targetHandle: 'in',
});
const connectionId = 'cccccccccccccccccccccccc';

describe('dryRun', () => {
  const graph = {
    nodes: [
      node('hook', 'trigger.manual', {}),
      node('check', 'condition', { expression: 'trigger.body.total > 100' }),
      node('call', 'http.request', {
        method: 'POST',
        url: 'https://api.example.com/orders',
        body: { id: '{{ trigger.body.id }}' },
        connectionId,
        auth: { kind: 'bearer' },
      }),
      node('wait', 'delay', { durationMs: 3_600_000 }),
      node('small', 'logger', { message: 'small order {{ trigger.body.id }}' }),
      node('notify', 'webhook.send', {
        url: 'https://partner.example/h',
        connectionId,
        eventType: 'order.big',
        payload: '{{ nodes.call.body }}',
      }),
    ],
    edges: [
      edge('hook', 'check'),
      edge('check', 'call', 'true'),
      edge('check', 'small', 'false'),
      edge('call', 'wait'),
      edge('wait', 'notify'),
    ],
  };

  it('runs the same node code with simulated effects and reports every node', async () => {
    const result = await dryRun({
      runCode: runCodeInSandbox,
      scenarioId: 's1',
      graph,
      trigger: { body: { id: 7, total: 150 } },
      now: new Date('2030-01-01T00:00:00Z'),
    });
    expect(result.status).toBe('succeeded');
    expect(result.skipped).toEqual(['small']);
    const byId = Object.fromEntries(result.nodes.map((n) => [n.nodeId, n]));
    expect(byId.check).toMatchObject({ status: 'succeeded', firedHandles: ['true'] });
    // The request is built for real but answered by the simulation; the secret is a placeholder.
    expect(byId.call?.requests).toEqual([
      {
        method: 'POST',
        url: 'https://api.example.com/orders',
        headers: {
          Authorization: 'Bearer <secret:token>',
          'Idempotency-Key': 'dry-run:call',
          'Content-Type': 'application/json',
        },
        body: '{"id":7}',
        timeoutMs: 30_000,
      },
    ]);
    expect(byId.call?.output).toMatchObject({ status: 200, body: { simulated: true, method: 'POST' } });
    // An hour's delay takes no time in a preview.
    expect(byId.wait?.status).toBe('succeeded');
    expect(byId.notify).toMatchObject({ status: 'succeeded', output: { status: 204 } });
    expect(byId.notify?.requests[0]?.headers).toMatchObject({ 'webhook-signature': 'v1,<simulated>' });
  });

  it('shows an OAuth2 call with the token the runner would add, calling nothing', async () => {
    const result = await dryRun({
      runCode: runCodeInSandbox,
      scenarioId: 's1',
      graph: {
        nodes: [
          node('hook', 'trigger.manual', {}),
          node('crm', 'http.request', {
            url: 'https://crm.example/contacts',
            connectionId,
            auth: { kind: 'oauth2' },
          }),
        ],
        edges: [edge('hook', 'crm')],
      },
      trigger: {},
    });
    const crm = result.nodes.find((n) => n.nodeId === 'crm');
    expect(crm?.status).toBe('succeeded');
    expect(crm?.requests).toEqual([
      {
        method: 'GET',
        url: 'https://crm.example/contacts',
        headers: {
          'Idempotency-Key': 'dry-run:crm',
          Authorization: 'Bearer <OAuth2 access token of the connection>',
        },
        timeoutMs: 30_000,
      },
    ]);
  });

  it('uses pinned outputs instead of running those nodes', async () => {
    const result = await dryRun({
      runCode: runCodeInSandbox,
      scenarioId: 's1',
      graph,
      trigger: { body: { id: 1, total: 5 } },
      pinnedOutputs: { check: { pinned: true } },
    });
    const byId = Object.fromEntries(result.nodes.map((n) => [n.nodeId, n]));
    // A pinned condition fired no handle choice: every branch after it runs.
    expect(byId.check).toMatchObject({ status: 'succeeded', pinned: true, output: { pinned: true } });
    expect(byId.small).toMatchObject({ status: 'succeeded', output: { pinned: true } });
    expect(byId.small?.logs).toEqual([{ nodeId: 'small', level: 'info', message: 'small order 1' }]);
  });

  it('reports a failing node with its error and stops there', async () => {
    const broken = {
      nodes: [
        node('hook', 'trigger.manual', {}),
        node('shape', 'transform', { expression: '$boom()' }),
        node('log', 'logger', { message: 'x' }),
      ],
      edges: [edge('hook', 'shape'), edge('shape', 'log')],
    };
    const result = await dryRun({ runCode: runCodeInSandbox, scenarioId: 's1', graph: broken, trigger: {} });
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('expression_error');
    expect(result.nodes.find((n) => n.nodeId === 'log')?.status).toBe('pending');
  });

  it('runs a for-each loop through the same engine, each item with its body steps and waits simulated', async () => {
    const result = await dryRun({
      runCode: runCodeInSandbox,
      scenarioId: 's1',
      graph: {
        nodes: [
          node('hook', 'trigger.manual', {}),
          node('loop', 'loop.forEach', { items: '{{ trigger.body.lines }}', concurrency: 2 }),
          { ...node('pause', 'delay', { durationMs: 3_600_000 }), parentId: 'loop' },
          {
            ...node('call', 'http.request', {
              method: 'POST',
              url: 'https://api.example.com/lines/{{ index }}',
              body: '{{ item }}',
            }),
            parentId: 'loop',
          },
          node('after', 'logger', { message: 'done' }),
        ],
        edges: [
          edge('hook', 'loop'),
          edge('loop', 'pause', 'body'),
          edge('pause', 'call'),
          edge('loop', 'after', 'done'),
        ],
      },
      trigger: { body: { lines: ['a', 'b', 'c'] } },
    });
    expect(result.status).toBe('succeeded');
    const loop = result.nodes.find((n) => n.nodeId === 'loop')!;
    expect(
      loop.items?.map((item) => [item.index, item.status, item.steps.map((s) => `${s.nodeId}:${s.status}`)]),
    ).toEqual([
      [0, 'succeeded', ['pause:succeeded', 'call:succeeded']],
      [1, 'succeeded', ['pause:succeeded', 'call:succeeded']],
      [2, 'succeeded', ['pause:succeeded', 'call:succeeded']],
    ]);
    expect(result.nodes.find((n) => n.nodeId === 'call')!.requests.map((r) => r.url)).toEqual([
      'https://api.example.com/lines/0',
      'https://api.example.com/lines/1',
      'https://api.example.com/lines/2',
    ]);
    expect(result.nodes.find((n) => n.nodeId === 'after')!.status).toBe('succeeded');
    // A body node's canvas status sums up its items.
    expect(result.nodes.find((n) => n.nodeId === 'call')).toMatchObject({ status: 'succeeded', attempts: 3 });
    expect(result.nodes.find((n) => n.nodeId === 'call')!.items).toBeNull();
  });
});
