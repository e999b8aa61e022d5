// The for-each phase of `pnpm bench`: webhooks carrying 100 items each, a loop (concurrency 10)
// whose body shapes the item and posts it to a local sink (real HTTP, answered at once).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ScenarioEdge, ScenarioNodeInput } from '@weft/core';

export const FOR_EACH_ITEMS = 100;
export const FOR_EACH_CONCURRENCY = 10;
const position = { x: 0, y: 0 };

/** webhook → for-each (body: transform → http.request to the sink) → done → logger. */
export function forEachNodes(sinkUrl: string) {
  return (appId: string): { nodes: ScenarioNodeInput[]; edges: ScenarioEdge[] } => ({
    nodes: [
      { id: 'hook', type: 'trigger.webhook', version: 1, config: { appId }, position },
      {
        id: 'loop',
        type: 'loop.forEach',
        version: 1,
        config: {
          items: '{{ trigger.body.items }}',
          concurrency: FOR_EACH_CONCURRENCY,
          onItemError: 'continue',
        },
        position,
      },
      {
        id: 'shape',
        type: 'transform',
        version: 1,
        parentId: 'loop',
        config: { expression: '{ "sku": item.sku, "qty": item.qty * 2, "line": index }' },
        position,
      },
      {
        id: 'post',
        type: 'http.request',
        version: 2,
        parentId: 'loop',
        config: { method: 'POST', url: `${sinkUrl}/lines`, body: '{{ input }}' },
        position,
      },
      {
        id: 'report',
        type: 'logger',
        version: 1,
        config: { message: '{{ nodes.loop.succeeded }} lines' },
        position,
      },
    ],
    edges: [
      { id: 'e1', source: 'hook', sourceHandle: 'out', target: 'loop', targetHandle: 'in' },
      { id: 'e2', source: 'loop', sourceHandle: 'body', target: 'shape', targetHandle: 'in' },
      { id: 'e3', source: 'shape', sourceHandle: 'out', target: 'post', targetHandle: 'in' },
      { id: 'e4', source: 'loop', sourceHandle: 'done', target: 'report', targetHandle: 'in' },
    ],
  });
}

/** The webhook body of one for-each run. */
export function forEachBody(n: number): Buffer {
  const items = Array.from({ length: FOR_EACH_ITEMS }, (_, i) => ({ sku: `sku-${n}-${i}`, qty: i % 7 }));
  return Buffer.from(JSON.stringify({ n, items }));
}

/** A partner API on loopback that accepts every line at once and counts them. */
export async function startLineSink(): Promise<{ url: string; count(): number; close(): Promise<void> }> {
  let count = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      count++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    count: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
