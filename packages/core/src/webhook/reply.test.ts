import { describe, expect, it } from 'vitest';
import { queryChallenge, slackUrlVerificationChallenge } from './handshake.js';
import { encodeWebhookReply, firstWebhookReply, webhookReplyPlan } from './reply.js';

const n = (id: string, type: string, config: Record<string, unknown> = {}) => ({
  id,
  type,
  version: 1,
  config,
  position: { x: 0, y: 0 },
});

describe('webhookReplyPlan', () => {
  it('is null unless the webhook trigger has respond: "node"', () => {
    expect(
      webhookReplyPlan([n('t', 'trigger.webhook', { appId: 'a' }), n('r', 'webhook.respond')]),
    ).toBeNull();
    expect(webhookReplyPlan([n('t', 'trigger.manual'), n('r', 'webhook.respond')])).toBeNull();
  });

  it('names the respond nodes and applies the default and the bounds of the timeout', () => {
    const nodes = [
      n('t', 'trigger.webhook', { respond: 'node' }),
      n('a', 'webhook.respond'),
      n('b', 'webhook.respond'),
    ];
    expect(webhookReplyPlan(nodes)).toEqual({ timeoutMs: 10_000, nodeIds: ['a', 'b'] });
    nodes[0] = n('t', 'trigger.webhook', { respond: 'node', respondTimeoutMs: 90_000 });
    expect(webhookReplyPlan(nodes)?.timeoutMs).toBe(25_000);
  });
});

describe('encodeWebhookReply', () => {
  it('sends objects as JSON, text as text, nothing as an empty body', () => {
    expect(encodeWebhookReply({ status: 201, headers: {}, body: { id: 7 } })).toEqual({
      status: 201,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: '{"id":7}',
    });
    expect(encodeWebhookReply({ status: 200, headers: { 'Content-Type': 'text/csv' }, body: 'a,b' })).toEqual(
      {
        status: 200,
        headers: { 'Content-Type': 'text/csv' },
        body: 'a,b',
      },
    );
    expect(encodeWebhookReply({ status: 204, headers: { 'X-A': '1', 'Content-Length': '9' } })).toEqual({
      status: 204,
      headers: { 'X-A': '1' },
      body: '',
    });
  });
});

describe('firstWebhookReply', () => {
  const at = (ms: number) => new Date(ms);
  it('takes the respond step that succeeded first, ignoring other nodes and unfinished steps', () => {
    const steps = [
      { nodeId: 'x', status: 'succeeded', output: { status: 200, headers: {} }, finishedAt: at(1) },
      { nodeId: 'b', status: 'succeeded', output: { status: 202, headers: {} }, finishedAt: at(5) },
      {
        nodeId: 'a',
        status: 'succeeded',
        output: { status: 201, headers: {}, body: 'x' },
        finishedAt: at(3),
      },
      { nodeId: 'c', status: 'running', output: null, finishedAt: null },
    ];
    expect(firstWebhookReply(steps, ['a', 'b', 'c'])).toEqual({
      nodeId: 'a',
      reply: { status: 201, headers: {}, body: 'x' },
    });
    expect(firstWebhookReply(steps.slice(3), ['c'])).toBeNull();
  });

  it('refuses an output that is no reply', () => {
    expect(
      firstWebhookReply([{ nodeId: 'a', status: 'succeeded', output: { status: 99 } }], ['a']),
    ).toBeNull();
  });
});

describe('handshakes', () => {
  it("reads Slack's url_verification challenge", () => {
    expect(slackUrlVerificationChallenge({ type: 'url_verification', challenge: 'c1', token: 't' })).toBe(
      'c1',
    );
    expect(slackUrlVerificationChallenge({ type: 'event_callback', challenge: 'c1' })).toBeNull();
    expect(slackUrlVerificationChallenge('url_verification')).toBeNull();
  });

  it('reads a configured query parameter, one value only', () => {
    expect(queryChallenge({ 'hub.challenge': '42', 'hub.mode': 'subscribe' }, 'hub.challenge')).toBe('42');
    expect(queryChallenge({ 'hub.challenge': ['1', '2'] }, 'hub.challenge')).toBeNull();
    expect(queryChallenge({}, 'hub.challenge')).toBeNull();
  });
});
