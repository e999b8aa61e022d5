import { createWorkspace, toObjectId } from '@weft/db';
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
 * Code nodes over the built api and runner processes: a webhook's order is priced by JavaScript
 * in the runner's sandbox and the result sent on; an endless loop fails its run at the time limit
 * while the runner goes on with the next; the api's dry-run runs the same code in its own sandbox.
 */

const SECRET = 'code-node-shared-secret-01234567';
const TOKEN = `weft_${'d'.repeat(43)}`;
const stack = await openStack('e2e_code');
const { db, apiUrl } = stack;
let scenarioId = '';
const sink = await startSink(() => ({ status: 200, body: { ok: true } }));
const position = { x: 0, y: 0 };

const PRICING = [
  'const lines = trigger.body.lines;',
  'if (!Array.isArray(lines)) throw new TypeError("lines must be a list");',
  'if (trigger.body.spin) while (true) {}',
  'const net = lines.reduce((sum, line) => sum + line.price * line.qty, 0);',
  'console.log("priced", lines.length, "lines");',
  'return { order: trigger.body.id, net, gross: Math.round(net * 1.2 * 100) / 100 };',
].join('\n');

beforeAll(async () => {
  const workspace = await createWorkspace(db.models, 'e2e code');
  const appId = await seedSignedApp(stack, workspace._id, { key: 'e2e-code', name: 'Shop', secret: SECRET });
  scenarioId = await seedPublishedScenario(db, workspace._id, {
    name: 'Price orders',
    draft: {
      nodes: [
        { id: 'hook', type: 'trigger.webhook', version: 1, config: { appId }, position },
        { id: 'price', type: 'code', version: 1, config: { code: PRICING, timeLimitMs: 200 }, position },
        {
          id: 'notify',
          type: 'http.request',
          version: 2,
          config: { method: 'POST', url: `${sink.url}/priced`, body: '{{ nodes.price }}' },
          position,
        },
      ],
      edges: [
        { id: 'e1', source: 'hook', target: 'price' },
        { id: 'e2', source: 'price', target: 'notify' },
      ],
    },
  });
  await stack.start({ token: TOKEN, runners: ['e2e-code-runner'] });
});

afterAll(async () => {
  await stack.stop();
  await sink.close();
});

const deliver = (body: Record<string, unknown>) => deliverToOneRun(stack, 'e2e-code', SECRET, body);
const finished = (runId: string) => waitForFinalRun(db, runId);

describe('code nodes over the built api and runner', () => {
  it("a webhook's order is priced by the code and the result is sent on", async () => {
    const runId = await deliver({ id: 'o-1', lines: [{ price: 10, qty: 2 }, { price: 2.5, qty: 4 }] });
    const run = await finished(runId);
    expect(run.status).toBe('succeeded');
    expect(stepOf(run, 'price')?.output).toEqual({ order: 'o-1', net: 30, gross: 36 });
    const sent = sink.requests.filter((r) => r.path === '/priced');
    expect(sent.map((r) => JSON.parse(r.body))).toEqual([{ order: 'o-1', net: 30, gross: 36 }]);
    const logs = await db.models.RunLog.find({ runId: toObjectId(runId), nodeId: 'price' }).lean().exec();
    expect(logs.map((l) => l.message)).toContain('priced 2 lines');
  });

  it('an endless loop fails its run at the time limit; the runner goes on with the next order', async () => {
    const spinning = await finished(await deliver({ id: 'o-2', lines: [], spin: true }));
    expect(spinning.status).toBe('failed');
    expect(stepOf(spinning, 'price')).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'code_timeout' } });
    const thrown = await finished(await deliver({ id: 'o-3', lines: 'none' }));
    expect(stepOf(thrown, 'price')?.error).toMatchObject({
      code: 'code_error',
      message: 'node "price", field "code": TypeError: lines must be a list (line 2, column 47)',
      details: { line: 2, column: 47 },
    });
    const next = await finished(await deliver({ id: 'o-4', lines: [{ price: 1, qty: 1 }] }));
    expect(next.status).toBe('succeeded');
    expect(sink.requests.filter((r) => r.path === '/priced').map((r) => JSON.parse(r.body).order)).toEqual(['o-1', 'o-4']);
  });

  it("the api's dry-run runs the same code in its sandbox over HTTP", async () => {
    const response = await fetch(`${apiUrl}/trpc/scenarios.dryRun`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ json: { id: scenarioId, trigger: { body: { id: 'p-1', lines: [{ price: 5, qty: 3 }] } } } }),
    });
    expect(response.status).toBe(200);
    const result = ((await response.json()) as { result: { data: { json: Record<string, unknown> } } }).result.data.json as {
      status: string;
      nodes: { nodeId: string; output: unknown; logs: { message: string }[] }[];
    };
    expect(result.status).toBe('succeeded');
    const price = result.nodes.find((n) => n.nodeId === 'price');
    expect(price?.output).toEqual({ order: 'p-1', net: 15, gross: 18 });
    expect(price?.logs.map((l) => l.message)).toEqual(['priced 1 lines']);
    // Nothing was sent: the HTTP node after it was simulated.
    expect(sink.requests.filter((r) => r.path === '/priced').map((r) => JSON.parse(r.body).order)).not.toContain('p-1');
  });
});
