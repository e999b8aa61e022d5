import { createWorkspace, type toObjectId } from '@weft/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  callTrpc,
  deliverToOneRun,
  openStack,
  seedPublishedScenario,
  seedSignedApp,
  stepOf,
  waitForFinalRun,
} from './harness.js';
import { startSink } from './sink.js';

/** A for-each loop end to end: webhooks over HTTP, the built api and runner, a local sink per item. */

const SECRET = 'generic-shared-secret-for-loops-01';
const TOKEN = `weft_${'f'.repeat(43)}`;
const stack = await openStack('e2e-for-each');
const { db } = stack;
const sink = await startSink((p, count) => {
  // One item of the "continue" loop is refused for good; one of the "stop" loop fails only once.
  if (p === '/each/bad') return { status: 404, body: { error: 'no such line' } };
  if (p === '/stop/3' && count === 1) return { status: 422, body: { error: 'try later' } };
  return { status: 200, body: { accepted: p } };
});

async function seedLoopApp(
  workspaceId: ReturnType<typeof toObjectId>,
  appKey: string,
  loop: Record<string, unknown>,
  url: string,
) {
  const appId = await seedSignedApp(stack, workspaceId, { key: appKey, secret: SECRET });
  await seedPublishedScenario(db, workspaceId, {
    name: appKey,
    draft: {
      nodes: [
        { id: 'hook', type: 'trigger.webhook', version: 1, config: { appId } },
        {
          id: 'loop',
          type: 'loop.forEach',
          version: 1,
          config: { items: '{{ trigger.body.items }}', ...loop },
        },
        {
          id: 'call',
          type: 'http.request',
          version: 2,
          parentId: 'loop',
          config: { method: 'POST', url, body: { line: '{{ item }}', index: '{{ index }}' } },
        },
        {
          id: 'report',
          type: 'logger',
          version: 1,
          config: { message: 'loop done: {{ nodes.loop.failed }} failed' },
        },
      ],
      edges: [
        { id: 'e1', source: 'hook', target: 'loop' },
        { id: 'e2', source: 'loop', sourceHandle: 'body', target: 'call' },
        { id: 'e3', source: 'loop', sourceHandle: 'done', target: 'report' },
      ],
    },
  });
}

beforeAll(async () => {
  const workspace = await createWorkspace(db.models, 'e2e-loops');
  await seedLoopApp(
    workspace._id,
    'loop-continue',
    { concurrency: 4, onItemError: 'continue' },
    `${sink.url}/each/{{ item }}`,
  );
  await seedLoopApp(
    workspace._id,
    'loop-stop',
    { concurrency: 1, onItemError: 'stop' },
    `${sink.url}/stop/{{ index }}`,
  );
  await stack.start({ token: TOKEN, runners: ['e2e-loop-runner'] });
});

afterAll(async () => {
  await stack.stop();
  await sink.close();
});

const post = (appKey: string, payload: unknown) => deliverToOneRun(stack, appKey, SECRET, payload);

async function trpc(procedure: string, input: unknown, method: 'GET' | 'POST' = 'POST'): Promise<unknown> {
  const answer = await callTrpc(stack, TOKEN, procedure, input, method === 'GET' ? 'query' : 'mutation');
  if (answer.status !== 200)
    throw new Error(`${procedure}: ${answer.status} ${JSON.stringify(answer.error)}`);
  return answer.data;
}

const finished = (runId: string) => waitForFinalRun(db, runId);
const callsTo = (prefix: string) => sink.requests.filter((r) => r.path.startsWith(prefix));

describe('a for-each loop over a webhook’s items', () => {
  it('calls the sink once per item, exactly once; a failing item is reported and the loop goes on (continue)', async () => {
    const lines = Array.from({ length: 20 }, (_, i) => (i === 7 ? 'bad' : `line-${i}`));
    const runId = await post('loop-continue', { items: lines });
    const run = await finished(runId);

    expect(run.status).toBe('succeeded');
    const calls = callsTo('/each/');
    expect(calls).toHaveLength(20);
    expect(new Set(calls.map((c) => c.path))).toEqual(new Set(lines.map((line) => `/each/${line}`)));
    const keyOf = new Map(calls.map((c) => [c.path, c.headers['idempotency-key']]));
    for (const [index, line] of lines.entries())
      expect(keyOf.get(`/each/${line}`)).toBe(`${runId}:call:${index}`);
    expect(stepOf(run, 'loop')).toMatchObject({
      status: 'succeeded',
      firedHandles: ['done'],
      output: { succeeded: 19, failed: 1, notStarted: 0 },
    });
    const output = stepOf(run, 'loop')?.output as { items: { index: number; status: string }[] } | undefined;
    const items = output?.items ?? [];
    expect(items.map((i) => i.index)).toEqual(lines.map((_, i) => i));
    expect(items[7]).toMatchObject({ status: 'failed', error: { code: 'http_4xx' } });
    expect(stepOf(run, 'report')?.status).toBe('succeeded');
    const logs = await db.models.RunLog.find({ runId: run._id }).lean().exec();
    expect(logs.filter((l) => l.message === 'loop done: 1 failed')).toHaveLength(1);

    // The item picker's view over the API: every item, and one item's body steps.
    const page = (await trpc('runs.loopItems', { runId, loopId: 'loop' }, 'GET')) as {
      items: { index: number; status: string }[];
      nextFromIndex: number | null;
    };
    expect(page.items.map((i) => i.status)).toEqual(
      lines.map((line) => (line === 'bad' ? 'failed' : 'succeeded')),
    );
    expect(page.nextFromIndex).toBeNull();
    const seventh = (await trpc('runs.loopItem', { runId, loopId: 'loop', index: 7 }, 'GET')) as {
      steps: { nodeId: string; status: string; error: { code: string } | null }[];
    };
    expect(seventh.steps).toMatchObject([{ nodeId: 'call', status: 'failed', error: { code: 'http_4xx' } }]);
  });

  it('stops at the first failed item (stop), and a replay from the failure runs only that item and the rest', async () => {
    const lines = ['a', 'b', 'c', 'd', 'e', 'f'];
    const runId = await post('loop-stop', { items: lines });
    const run = await finished(runId);
    expect(run.status).toBe('failed');
    expect(run.error?.message).toContain('item 3 failed');
    expect(run.error?.message).toContain('onItemError is "stop"');
    expect(callsTo('/stop/').map((c) => c.path)).toEqual(['/stop/0', '/stop/1', '/stop/2', '/stop/3']);
    expect(stepOf(run, 'loop')).toMatchObject({
      status: 'failed',
      output: { succeeded: 3, failed: 1, notStarted: 2 },
    });

    const replay = (await trpc('runs.replay', { id: runId, from: 'failure' })) as { id: string };
    const replayed = await finished(replay.id);
    expect(replayed.status).toBe('succeeded');
    // Items 0–2 kept their outputs; 3 ran again (new run, new key), 4 and 5 for the first time.
    expect(callsTo('/stop/').map((c) => c.path)).toEqual([
      '/stop/0',
      '/stop/1',
      '/stop/2',
      '/stop/3',
      '/stop/3',
      '/stop/4',
      '/stop/5',
    ]);
    expect(
      callsTo('/stop/')
        .slice(4)
        .map((c) => c.headers['idempotency-key']),
    ).toEqual([3, 4, 5].map((index) => `${replay.id}:call:${index}`));
    expect(stepOf(replayed, 'loop')).toMatchObject({
      status: 'succeeded',
      output: { succeeded: 6, failed: 0 },
    });
  });
});
