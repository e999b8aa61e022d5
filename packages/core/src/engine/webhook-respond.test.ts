import { describe, expect, it } from 'vitest';
import { runCodeInSandbox } from '../sandbox/run-code.js';
import { dryRun } from '../dry-run/dry-run.js';
import { validateGraph } from '../graph/validate-graph.js';
import { nodeConfigProblems } from '../nodes/config.js';
import { registryLookup } from '../nodes/lookup.js';
import { webhookRespond } from '../nodes/builtin/webhook-respond.js';
import { webhookTrigger } from '../nodes/builtin/triggers.js';
import { executeRun } from './execute-run.js';
import { edge, fakeHost, json, node, runOf } from './test-host.js';

const APP = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const trigger = (config: Record<string, unknown> = {}) =>
  node('hook', 'trigger.webhook', { appId: APP, respond: 'node', ...config });
const create = node('create', 'http.request', {
  method: 'POST',
  url: 'https://crm.example/records',
  body: '{{ trigger.body }}',
});
const reply = node('reply', 'webhook.respond', {
  status: 201,
  headers: { 'X-Record': '{{ $string(nodes.create.body.id) }}' },
  body: { id: '{{ nodes.create.body.id }}', name: '{{ trigger.body.name }}' },
});
const after = node('after', 'logger', { message: 'replied' });
const nodes = [trigger(), create, reply, after];
const edges = [edge('hook', 'create'), edge('create', 'reply'), edge('reply', 'after')];

describe('webhook.respond in a run', () => {
  it('outputs the reply computed from earlier steps, and the run goes on', async () => {
    const host = fakeHost(() => json(201, { id: 'rec_9' }));
    const outcome = await executeRun(runOf(nodes, edges, [], { body: { name: 'Ada' } }), host);
    expect(outcome.status).toBe('succeeded');
    expect(host.last('reply')?.output).toEqual({
      status: 201,
      headers: { 'X-Record': 'rec_9' },
      body: { id: 'rec_9', name: 'Ada' },
    });
    expect(host.last('after')?.status).toBe('succeeded');
  });

  it('fails the step when an expression gives a status that is no HTTP status, naming the field', async () => {
    const bad = node('reply', 'webhook.respond', { status: '{{ trigger.body.code }}' });
    const host = fakeHost();
    const outcome = await executeRun(
      runOf([trigger(), bad], [edge('hook', 'reply')], [], { body: { code: 42 } }),
      host,
    );
    expect(outcome.status).toBe('failed');
    expect(host.last('reply')?.error?.message).toContain('status must be a whole number from 200 to 599');
  });

  it('dry-runs with the reply the caller would get', async () => {
    const result = await dryRun({
      runCode: runCodeInSandbox,
      scenarioId: 's1',
      graph: { nodes, edges },
      trigger: { body: { name: 'Ada' } },
      pinnedOutputs: { create: { status: 201, headers: {}, body: { id: 'rec_1' } } },
    });
    expect(result.error).toBeNull();
    expect(result.webhookReply).toEqual({
      status: 201,
      headers: { 'X-Record': 'rec_1', 'content-type': 'application/json; charset=utf-8' },
      body: '{"id":"rec_1","name":"Ada"}',
    });
  });

  it('dry-runs without a reply when the trigger answers 202 at once', async () => {
    const accepted = [trigger({ respond: 'accepted' }), create, reply, after];
    const result = await dryRun({
      runCode: runCodeInSandbox,
      scenarioId: 's1',
      graph: { nodes: accepted, edges },
      trigger: { body: {} },
    });
    expect(result.webhookReply).toBeNull();
  });
});

describe('webhook reply config and canvas problems', () => {
  it('refuses reserved headers and statuses out of range, naming the field', () => {
    expect(nodeConfigProblems(webhookRespond, { status: 99, headers: { 'Content-Length': '3' } })).toEqual([
      { path: ['status'], message: 'status must be a whole number from 200 to 599' },
      {
        path: ['headers', 'Content-Length'],
        message: 'headers: "Content-Length" is set by the server and cannot be part of a reply',
      },
    ]);
  });

  it('refuses a header value that would break the answer', () => {
    expect(nodeConfigProblems(webhookRespond, { headers: { 'X-A': 'ok\r\nSet-Cookie: x=1' } })).toEqual([
      {
        path: ['headers', 'X-A'],
        message:
          'headers: each value must be one line of Latin-1 text (no line breaks or control characters)',
      },
    ]);
  });

  it('refuses an unknown respond mode, a timeout over 25 s and an unknown option on the trigger', () => {
    expect(
      nodeConfigProblems(webhookTrigger, {
        appId: APP,
        respond: 'later',
        respondTimeoutMs: 60_000,
        reply: true,
      }),
    ).toEqual([
      {
        path: ['respond'],
        message:
          'respond must be "accepted" (answer 202 at once) or "node" (answer with a webhook.respond node)',
      },
      { path: ['respondTimeoutMs'], message: 'respondTimeoutMs must be at most 25000 (25 s)' },
      { path: [], message: 'Unrecognized key: "reply"' },
    ]);
  });

  it('a respond node needs a trigger that waits for it', () => {
    const graph = { nodes: [trigger({ respond: 'accepted' }), reply], edges: [edge('hook', 'reply')] };
    const problems = validateGraph(graph, registryLookup).filter((p) => p.code.startsWith('reply_'));
    expect(problems).toEqual([
      {
        code: 'reply_without_waiting_trigger',
        nodeId: 'reply',
        message:
          'Node "reply" replies to the webhook, but the trigger does not wait for it; use a webhook trigger with respond: "node".',
      },
    ]);
    const manual = { nodes: [node('m', 'trigger.manual', {}), reply], edges: [edge('m', 'reply')] };
    expect(validateGraph(manual, registryLookup).map((p) => p.code)).toContain(
      'reply_without_waiting_trigger',
    );
  });

  it('a waiting trigger needs a respond node, and a reply inside a loop is refused', () => {
    const missing = { nodes: [trigger(), after], edges: [edge('hook', 'after')] };
    expect(validateGraph(missing, registryLookup).map((p) => [p.code, p.nodeId, p.path])).toEqual([
      ['reply_node_missing', 'hook', ['respond']],
    ]);
    const loop = node('loop', 'loop.forEach', { items: '{{ trigger.body.items }}' });
    const inLoop = node('reply', 'webhook.respond', {}, { parentId: 'loop' });
    const looped = { nodes: [trigger(), loop, inLoop], edges: [edge('hook', 'loop')] };
    expect(validateGraph(looped, registryLookup).map((p) => p.code)).toContain('reply_in_loop');
  });

  it('a graph whose trigger waits and has a respond node has no reply problems', () => {
    expect(validateGraph({ nodes, edges }, registryLookup)).toEqual([]);
  });
});
