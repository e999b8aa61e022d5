import type { ScenarioNode } from '../schemas/graph.js';

/** How long the api holds a webhook for a `webhook.respond` node by default, and at most. */
export const DEFAULT_REPLY_TIMEOUT_MS = 10_000;
export const MAX_REPLY_TIMEOUT_MS = 25_000;
export const MIN_REPLY_TIMEOUT_MS = 1_000;

export const WEBHOOK_RESPOND_MODES = ['accepted', 'node'] as const;
export type WebhookRespondMode = (typeof WEBHOOK_RESPOND_MODES)[number];

/**
 * Headers a reply may not set: the HTTP server owns framing and the connection, so a value here
 * would corrupt the answer.
 */
export const RESERVED_REPLY_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'content-length',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'trailer',
  'te',
]);

/** What a `webhook.respond` step outputs: the answer the webhook's caller gets. */
export interface WebhookReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

/** A reply ready for the wire: the body as text, the content type decided. */
export interface EncodedWebhookReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Whether a published graph holds its webhook's caller for a reply, and for how long. */
export interface WebhookReplyPlan {
  readonly timeoutMs: number;
  /** The graph's `webhook.respond` nodes: the first of them to succeed answers. */
  readonly nodeIds: readonly string[];
}

/**
 * Reads the webhook trigger's `respond` option from a graph: a plan when it is `node`, else null
 * (answer 202 at once). Stored configs are validated at publish; defaults apply here too.
 */
export function webhookReplyPlan(nodes: readonly ScenarioNode[]): WebhookReplyPlan | null {
  const trigger = nodes.find((node) => node.type === 'trigger.webhook');
  if (trigger?.config.respond !== 'node') return null;
  const timeout = trigger.config.respondTimeoutMs;
  const timeoutMs =
    typeof timeout === 'number' && Number.isInteger(timeout)
      ? Math.min(MAX_REPLY_TIMEOUT_MS, Math.max(MIN_REPLY_TIMEOUT_MS, timeout))
      : DEFAULT_REPLY_TIMEOUT_MS;
  const nodeIds = nodes.filter((node) => node.type === 'webhook.respond').map((node) => node.id);
  return { timeoutMs, nodeIds };
}

function hasHeader(headers: Readonly<Record<string, string>>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

/**
 * Turns a respond step's output into bytes and headers: a string body is sent as text
 * (`text/plain` unless a content type is set), anything else as JSON, no body as an empty one.
 * Reserved headers are dropped (the node's schema already refuses them).
 */
export function encodeWebhookReply(reply: WebhookReply): EncodedWebhookReply {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(reply.headers ?? {})) {
    if (!RESERVED_REPLY_HEADERS.has(name.toLowerCase())) headers[name] = value;
  }
  if (reply.body === undefined || reply.body === null) {
    return { status: reply.status, headers, body: '' };
  }
  if (typeof reply.body === 'string') {
    if (!hasHeader(headers, 'content-type')) headers['content-type'] = 'text/plain; charset=utf-8';
    return { status: reply.status, headers, body: reply.body };
  }
  if (!hasHeader(headers, 'content-type')) headers['content-type'] = 'application/json; charset=utf-8';
  return { status: reply.status, headers, body: JSON.stringify(reply.body) };
}

/** Reads a stored step output back as a reply; null when it is not one (a corrupted or foreign output). */
export function asWebhookReply(output: unknown): WebhookReply | null {
  if (output === null || typeof output !== 'object') return null;
  const { status, headers, body } = output as Record<string, unknown>;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) return null;
  const safeHeaders: Record<string, string> = {};
  if (headers !== null && typeof headers === 'object') {
    for (const [name, value] of Object.entries(headers)) {
      if (typeof value === 'string') safeHeaders[name] = value;
    }
  }
  return { status, headers: safeHeaders, body };
}

interface ReplyStep {
  readonly nodeId: string;
  readonly status: string;
  readonly output?: unknown;
  readonly finishedAt?: Date | null;
}

/**
 * The reply a run gives its webhook's caller: the output of the first of the plan's respond
 * nodes to succeed (by finish time, then node order); null while none has.
 */
export function firstWebhookReply(
  steps: readonly ReplyStep[],
  nodeIds: readonly string[],
): { readonly nodeId: string; readonly reply: WebhookReply } | null {
  let first: { nodeId: string; reply: WebhookReply; at: number } | null = null;
  for (const step of steps) {
    if (step.status !== 'succeeded' || !nodeIds.includes(step.nodeId)) continue;
    const reply = asWebhookReply(step.output);
    if (!reply) continue;
    const at = step.finishedAt instanceof Date ? step.finishedAt.getTime() : Number.POSITIVE_INFINITY;
    if (first === null || at < first.at) first = { nodeId: step.nodeId, reply, at };
  }
  return first && { nodeId: first.nodeId, reply: first.reply };
}
