import { createWorkspace } from '@weft/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  callTrpc,
  deliverToOneRun,
  openStack,
  seedPublishedScenario,
  seedSignedApp,
  stepOf,
  waitForFinalRun,
  waitForRun,
} from './harness.js';
import { startSink } from './sink.js';

/**
 * An order over 1,000 waits for a manager's approval: the built api and runners as processes,
 * the webhook over HTTP. The waiting run holds no runner, so the runner can be killed while it
 * waits; a resume through runs.resume or the run's resume link wakes it on whichever runner is up,
 * and of resumes racing each other exactly one counts.
 */

const SECRET = 'approval-shared-secret-0123456789';
const TOKEN = `weft_${'a'.repeat(43)}`;
const stack = await openStack('e2e_approval');
const { db, apiUrl } = stack;
const sink = await startSink(() => ({ status: 200, body: { ok: true } }));
const position = { x: 0, y: 0 };

beforeAll(async () => {
  const workspace = await createWorkspace(db.models, 'e2e approvals');
  const appId = await seedSignedApp(stack, workspace._id, {
    key: 'e2e-approvals',
    name: 'Shop',
    secret: SECRET,
  });
  await seedPublishedScenario(db, workspace._id, {
    name: 'Big orders',
    draft: {
      nodes: [
        {
          id: 'hook',
          type: 'trigger.webhook',
          version: 1,
          config: { appId },
          position,
        },
        {
          id: 'big',
          type: 'condition',
          version: 1,
          config: { expression: 'trigger.body.total > 1000' },
          position,
        },
        {
          id: 'approve',
          type: 'wait.approval',
          version: 1,
          config: {
            message: 'Ship order {{ trigger.body.id }} of {{ trigger.body.total }}?',
            timeoutMs: 3_600_000,
          },
          position,
        },
        {
          id: 'decided',
          type: 'http.request',
          version: 2,
          config: {
            method: 'POST',
            url: `${sink.url}/decided`,
            body: { order: '{{ trigger.body.id }}', approval: '{{ nodes.approve }}' },
          },
          position,
        },
        {
          id: 'ship',
          type: 'http.request',
          version: 2,
          config: { method: 'POST', url: `${sink.url}/ship`, body: { order: '{{ trigger.body.id }}' } },
          position,
        },
      ],
      edges: [
        { id: 'e1', source: 'hook', target: 'big' },
        { id: 'e2', source: 'big', sourceHandle: 'true', target: 'approve' },
        { id: 'e3', source: 'approve', target: 'decided' },
        { id: 'e4', source: 'big', sourceHandle: 'false', target: 'ship' },
      ],
    },
  });
  await stack.start({ token: TOKEN, runners: ['e2e-approval-a'] });
});

afterAll(async () => {
  await stack.stop();
  await sink.close();
});

const deliver = (body: Record<string, unknown>) => deliverToOneRun(stack, 'e2e-approvals', SECRET, body);
const waiting = (runId: string) =>
  waitForRun(
    db,
    runId,
    'waiting for approval',
    (run) => run?.status === 'waiting' && stepOf(run, 'approve')?.status === 'waiting',
  );
const finished = (runId: string) => waitForFinalRun(db, runId);
const trpc = (procedure: string, input: unknown, type: 'query' | 'mutation') =>
  callTrpc(stack, TOKEN, procedure, input, type);

const decidedFor = (order: string) =>
  sink.requests.filter((r) => r.path === '/decided' && JSON.parse(r.body).order === order);

describe('an order over 1,000 waits for a manager’s approval', () => {
  it('a small order ships without asking', async () => {
    const runId = await deliver({ id: 'o-small', total: 20 });
    const run = await finished(runId);
    expect(run.status).toBe('succeeded');
    expect(stepOf(run, 'approve')?.status).toBe('skipped');
    expect(sink.requests.filter((r) => r.path === '/ship')).toHaveLength(1);
  });

  it('the run waits through its runner being killed; runs.resume on the api wakes it on another runner', async () => {
    const runId = await deliver({ id: 'o-1', total: 1_500 });
    const suspended = await waiting(runId);
    expect(suspended.leaseOwner).toBeNull();
    const view = await trpc('runs.get', { id: runId }, 'query');
    expect(view.data.waits).toEqual([
      expect.objectContaining({ nodeId: 'approve', message: 'Ship order o-1 of 1500?', resolution: null }),
    ]);

    await stack.killRunner('e2e-approval-a');
    stack.startRunner('e2e-approval-b');

    const resumed = await trpc(
      'runs.resume',
      { runId, nodeId: 'approve', decision: 'approved', data: { note: 'ok' } },
      'mutation',
    );
    expect(resumed.status).toBe(200);
    expect(resumed.data.resolution).toEqual({
      decision: 'approved',
      by: 'bootstrap',
      data: { note: 'ok' },
      timedOut: false,
    });

    const done = await finished(runId);
    expect(done.status).toBe('succeeded');
    expect(done.leaseOwner).toBeNull();
    expect(stepOf(done, 'approve')).toMatchObject({
      status: 'succeeded',
      output: { decision: 'approved', by: 'bootstrap', data: { note: 'ok' }, timedOut: false },
    });
    expect(decidedFor('o-1').map((r) => JSON.parse(r.body).approval)).toEqual([
      { decision: 'approved', by: 'bootstrap', data: { note: 'ok' }, timedOut: false },
    ]);

    const again = await trpc('runs.resume', { runId, nodeId: 'approve', decision: 'rejected' }, 'mutation');
    expect(again.status).toBe(409);
    expect(again.error.message).toBe(
      `run ${runId} has already finished (succeeded); there is nothing to resume`,
    );
  });

  it('of resumes racing through the link and the api, on two runners, exactly one resumes the run', async () => {
    stack.startRunner('e2e-approval-c');
    const runId = await deliver({ id: 'o-2', total: 2_500 });
    await waiting(runId);
    const resumePath = (await trpc('runs.get', { id: runId }, 'query')).data.waits[0].resumePath as string;
    expect(resumePath).toMatch(/^\/resume\//);
    const page = await fetch(`${apiUrl}${resumePath}`);
    expect(await page.text()).toContain('Ship order o-2 of 2500?');

    const viaLink = (decision: string) =>
      fetch(`${apiUrl}${resumePath}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ decision }),
      }).then((response) => response.status);
    const viaApi = (decision: string) =>
      trpc('runs.resume', { runId, nodeId: 'approve', decision }, 'mutation').then((answer) => answer.status);
    const statuses = await Promise.all([
      viaLink('rejected'),
      viaApi('approved'),
      viaLink('approved'),
      viaApi('rejected'),
    ]);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(3);

    const done = await finished(runId);
    expect(done.status).toBe('succeeded');
    // Claimed once to reach the wait, once to go on: the resume ran the rest of the run once.
    expect(done.claims).toBe(2);
    const decided = decidedFor('o-2');
    expect(decided).toHaveLength(1);
    expect(JSON.parse(decided[0]!.body).approval).toEqual(stepOf(done, 'approve')?.output);
    expect(decided[0]!.headers['idempotency-key']).toBe(`${runId}:decided`);
  });
});
