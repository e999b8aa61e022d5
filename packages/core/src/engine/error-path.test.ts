import { runCodeInSandbox } from '../sandbox/run-code.js';
import { describe, expect, it } from 'vitest';
import { dryRun } from '../dry-run/dry-run.js';
import { executeRun } from './execute-run.js';
import { edge, fakeHost, json, node, runOf } from './test-host.js';

const call = (extra = {}) => node('call', 'http.request', { url: 'https://api.example.com/orders' }, extra);

/** start → call → after (normal output), call.error → on_error → notify. */
const withErrorPath = (extra = {}) =>
  [
    [
      node('start', 'trigger.manual', {}),
      call(extra),
      node('after', 'transform', { expression: '"after"' }),
      node('on_error', 'transform', { expression: '{ "why": input.code, "tries": input.attempts }' }),
      node('notify', 'logger', { message: 'failed: {{ nodes.call.message }}' }),
    ],
    [
      edge('start', 'call'),
      edge('call', 'after'),
      edge('call', 'on_error', 'error'),
      edge('on_error', 'notify'),
    ],
  ] as const;

describe('error paths', () => {
  it('a fatal failure fires the error output with the error, skips the normal output, and the run succeeds', async () => {
    const host = fakeHost(() => json(404, { message: 'no such order' }));
    const [nodes, edges] = withErrorPath();
    const outcome = await executeRun(runOf([...nodes], [...edges]), host);
    expect(outcome).toEqual({ status: 'succeeded' });
    const step = host.last('call');
    expect(step).toMatchObject({
      status: 'failed',
      handled: true,
      firedHandles: ['error'],
      attempts: 1,
      error: { retryable: false },
      output: { code: step?.error?.code, message: step?.error?.message, attempts: 1, retryable: false },
    });
    expect(host.last('after')?.status).toBe('skipped');
    expect(host.last('on_error')).toMatchObject({
      status: 'succeeded',
      output: { why: step?.error?.code, tries: 1 },
    });
    expect(host.last('notify')?.status).toBe('succeeded');
    expect(
      host.logs.some((line) => line.startsWith('warn call') && line.endsWith('taken by the error path')),
    ).toBe(true);
  });

  it('without an edge from the error output the run fails as before', async () => {
    const host = fakeHost(() => json(404, {}));
    const [nodes, edges] = withErrorPath();
    const outcome = await executeRun(
      runOf(
        [...nodes],
        edges.filter((e) => e.sourceHandle !== 'error'),
      ),
      host,
    );
    expect(outcome).toMatchObject({ status: 'failed', nodeId: 'call' });
    expect(host.last('call')).toMatchObject({ status: 'failed', firedHandles: null });
    expect(host.last('call')?.handled).toBeUndefined();
    // Nothing after the failure runs, on either output.
    expect(['after', 'on_error', 'notify'].filter((id) => host.last(id)?.status === 'succeeded')).toEqual([]);
  });

  it('a retryable failure takes the error path once its attempts are exhausted', async () => {
    const host = fakeHost(() => json(503, {}));
    const [nodes, edges] = withErrorPath({ retry: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 10 } });
    const outcome = await executeRun(runOf([...nodes], [...edges]), host);
    expect(outcome).toEqual({ status: 'succeeded' });
    expect(host.calls).toEqual(['call', 'call', 'call']);
    expect(host.last('call')).toMatchObject({
      status: 'failed',
      handled: true,
      output: { attempts: 3, retryable: true },
    });
    expect(host.last('on_error')?.status).toBe('succeeded');
  });

  it('a success does not fire the error output', async () => {
    const host = fakeHost(() => json(200, { ok: true }));
    const [nodes, edges] = withErrorPath();
    expect(await executeRun(runOf([...nodes], [...edges]), host)).toEqual({ status: 'succeeded' });
    expect(host.last('after')?.status).toBe('succeeded');
    expect(host.last('on_error')?.status).toBe('skipped');
    expect(host.last('notify')?.status).toBe('skipped');
  });

  it('a resumed run goes on along the error path of a handled failure without calling again', async () => {
    const first = fakeHost(() => json(404, {}));
    const [nodes, edges] = withErrorPath();
    await executeRun(runOf([...nodes], [...edges]), first);
    const kept = ['start', 'call'].map((id) => first.last(id)!);
    const second = fakeHost(() => json(200, {}));
    expect(await executeRun(runOf([...nodes], [...edges], kept), second)).toEqual({ status: 'succeeded' });
    expect(second.calls).toEqual([]);
    expect(second.last('on_error')?.status).toBe('succeeded');
    expect(second.last('after')?.status).toBe('skipped');
  });

  it('a dry-run takes the error path the same way', async () => {
    const [nodes, edges] = withErrorPath();
    const graph = {
      nodes: nodes.map((n) => (n.id === 'call' ? { ...n, config: { url: '{{ trigger.url }}' } } : n)),
      edges: [...edges],
    };
    const result = await dryRun({
      runCode: runCodeInSandbox,
      scenarioId: 's1',
      graph,
      trigger: { url: 'not a url' },
    });
    expect(result.status).toBe('succeeded');
    expect(result.nodes.find((n) => n.nodeId === 'call')).toMatchObject({
      status: 'failed',
      handled: true,
      firedHandles: ['error'],
      output: { code: 'invalid_config', attempts: 1, retryable: false },
    });
    expect(result.skipped).toEqual(['after']);
  });
});
