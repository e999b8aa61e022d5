import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createSignedApp, postSigned, request, useApi, webhookScenario } from './harness.js';

/**
 * Tenants' expressions cannot stall the api: a catastrophic regular expression answers at once
 * (RE2), a huge range fails with the sequence limit, and a built-in call that runs on and on
 * (`$distinct` over 300,000 items: minutes on one thread) runs in a worker thread that is ended
 * at its deadline, while `/health` and other webhooks are answered.
 */
const logged: Record<string, unknown>[] = [];
const logger = pino({ level: 'warn' }, { write: (line: string) => logged.push(JSON.parse(line)) });
// A filter budget long enough that the requests made meanwhile are surely answered within it.
const FILTER_TIMEOUT_MS = 5_000;
const h = useApi({ limits: { webhookFilterTimeoutMs: FILTER_TIMEOUT_MS }, deps: { logger } });

// Minutes for a backtracking engine (each `a` doubles it); the `or` after it makes JSONata check
// its time budget once the match returns, so without RE2 this fails instead of passing late.
const CATASTROPHIC = `$contains("${'a'.repeat(34)}!", /^(a+)+$/) or false`;
const HUGE_RANGE = '$count([1..10000000])';
const ENDLESS = '$count($distinct([1..300000]))';
/** Generous: an answer this late means the api was stalled. */
const liveness = () => ({ signal: AbortSignal.timeout(30_000) });

function transformGraph(expression: string, maxAttempts = 1) {
  return {
    nodes: [
      { id: 'start', type: 'trigger.manual', version: 1, config: {}, position: { x: 0, y: 0 } },
      {
        id: 'shape',
        type: 'transform',
        version: 1,
        config: { expression },
        position: { x: 200, y: 0 },
        retry: { maxAttempts, initialDelayMs: 0, maxDelayMs: 0 },
      },
    ],
    edges: [{ id: 'e1', source: 'start', target: 'shape' }],
  };
}

/** Tracks whether a promise has settled, without letting its rejection go unhandled. */
function track<T>(promise: Promise<T>) {
  const state = { settled: false, promise };
  promise.then(
    () => {
      state.settled = true;
    },
    () => {
      state.settled = true;
    },
  );
  return state;
}

describe('hostile expressions in a dry-run', () => {
  it('a catastrophic regular expression answers; a range past the limit fails with expression_limit', async () => {
    const scenario = await h.caller.scenarios.create({ name: 'Regex', draft: transformGraph(CATASTROPHIC) });
    const regex = await h.caller.scenarios.dryRun({ id: scenario.id, draft: transformGraph(CATASTROPHIC) });
    expect(regex.status).toBe('succeeded');
    expect(regex.nodes.find((n) => n.nodeId === 'shape')?.output).toBe(false);

    const range = await h.caller.scenarios.dryRun({ id: scenario.id, draft: transformGraph(HUGE_RANGE) });
    expect(range.status).toBe('failed');
    expect(range.error).toMatchObject({ code: 'expression_limit' });
    expect(range.error?.message).toContain('more than 1,000,000 items');
  });

  it('a built-in call that runs on is ended at its deadline (expression_timeout) while /health and webhooks are answered', async () => {
    const other = await createSignedApp(h, { scheme: 'github' });
    await webhookScenario(h, other.id);
    const scenario = await h.caller.scenarios.create({ name: 'Endless', draft: transformGraph(ENDLESS) });
    // Every attempt runs out of time: the preview takes several budgets, all of them on a worker.
    const preview = track(h.caller.scenarios.dryRun({ id: scenario.id, draft: transformGraph(ENDLESS, 5) }));
    await sleep(300);

    const health = await request(`${h.baseUrl}/health`, liveness());
    expect(health.status).toBe(200);
    const webhook = await postSigned(h, other, '{"type":"order.created"}');
    expect(webhook.status).toBe(202);
    expect(webhook.json.runIds).toHaveLength(1);
    expect(preview.settled).toBe(false);

    const result = await preview.promise;
    expect(result.status).not.toBe('succeeded');
    expect(result.error).toMatchObject({ code: 'expression_timeout', retryable: true });
    expect(result.error?.message).toContain('node "shape", field "expression"');
    expect(result.error?.message).toContain('time limit of 1000 ms');
  });
});

describe('hostile trigger filters', () => {
  it('a catastrophic regular expression in a filter is evaluated at once: no match, the webhook is answered', async () => {
    const app = await createSignedApp(h, { scheme: 'github' });
    await webhookScenario(h, app.id, { filter: '$contains(body.s, /^(a+)+$/) or false' });
    const answer = await postSigned(h, app, JSON.stringify({ s: `${'a'.repeat(34)}!` }));
    expect(answer.status).toBe(202);
    expect(answer.json.runIds).toEqual([]);
  });

  it('a range past the limit fails the filter with the limit named in the log; the delivery is stored without a run', async () => {
    const app = await createSignedApp(h, { scheme: 'github' });
    const scenarioId = await webhookScenario(h, app.id, { filter: `${HUGE_RANGE} > 0` });
    const answer = await postSigned(h, app, '{"type":"order.created"}');
    expect(answer.status).toBe(202);
    expect(answer.json.runIds).toEqual([]);
    const line = logged.find((entry) => entry.scenarioId === scenarioId);
    expect(line).toMatchObject({ msg: 'trigger filter failed; the scenario does not run for this delivery' });
    expect(String(line?.err)).toContain('more than 1,000,000 items');
  });

  it('a filter whose built-in call runs on is ended at its deadline (503 filter_timeout) while /health and other webhooks are answered', async () => {
    const hostile = await createSignedApp(h, { scheme: 'github' });
    await webhookScenario(h, hostile.id, { filter: `${ENDLESS} > 0` });
    const other = await createSignedApp(h, { scheme: 'github' });
    await webhookScenario(h, other.id);

    const refused = track(postSigned(h, hostile, '{"type":"order.created"}'));
    await sleep(300);
    const health = await request(`${h.baseUrl}/health`, liveness());
    expect(health.status).toBe(200);
    const webhook = await postSigned(h, other, '{"type":"order.created"}');
    expect(webhook.status).toBe(202);
    expect(webhook.json.runIds).toHaveLength(1);
    expect(refused.settled).toBe(false);

    const answer = await refused.promise;
    expect(answer.status).toBe(503);
    expect(answer.json).toMatchObject({ error: 'filter_timeout' });
    expect(answer.json.message).toContain(`took longer than ${FILTER_TIMEOUT_MS} ms`);
  });
});
