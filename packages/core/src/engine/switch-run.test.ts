import { runCodeInSandbox } from '../sandbox/run-code.js';
import { describe, expect, it } from 'vitest';
import { dryRun } from '../dry-run/dry-run.js';
import { executeRun } from './execute-run.js';
import { edge, fakeHost, node, runOf } from './test-host.js';

const route = (mode: 'first' | 'all') =>
  node('route', 'switch', {
    mode,
    cases: [
      { id: 'large', label: 'Large', expression: 'input.total > 100' },
      { id: 'eu', label: 'EU', expression: 'input.country = "DE"' },
    ],
  });

const graph = (mode: 'first' | 'all') =>
  [
    [
      node('start', 'trigger.manual', {}),
      route(mode),
      node('on_large', 'logger', { message: 'large' }),
      node('on_eu', 'logger', { message: 'eu' }),
      node('on_default', 'logger', { message: 'other' }),
      node('after_eu', 'transform', { expression: '"after eu"' }),
    ],
    [
      edge('start', 'route'),
      edge('route', 'on_large', 'large'),
      edge('route', 'on_eu', 'eu'),
      edge('route', 'on_default', 'default'),
      edge('on_eu', 'after_eu'),
    ],
  ] as const;

describe('a switch in a run', () => {
  it('mode first: only the first matching case runs, the other cases and default are skipped', async () => {
    const host = fakeHost();
    const [nodes, edges] = graph('first');
    const outcome = await executeRun(runOf([...nodes], [...edges], [], { total: 150, country: 'DE' }), host);
    expect(outcome).toEqual({ status: 'succeeded' });
    expect(host.last('route')).toMatchObject({
      status: 'succeeded',
      firedHandles: ['large'],
      output: { matched: ['large'], default: false, input: { total: 150, country: 'DE' } },
    });
    expect(host.last('on_large')?.status).toBe('succeeded');
    expect(host.last('on_eu')?.status).toBe('skipped');
    expect(host.last('after_eu')?.status).toBe('skipped');
    expect(host.last('on_default')?.status).toBe('skipped');
  });

  it('mode all: every matching case runs with its downstream', async () => {
    const host = fakeHost();
    const [nodes, edges] = graph('all');
    await executeRun(runOf([...nodes], [...edges], [], { total: 150, country: 'DE' }), host);
    expect(host.last('route')?.firedHandles).toEqual(['large', 'eu']);
    expect(['on_large', 'on_eu', 'after_eu', 'on_default'].map((id) => host.last(id)?.status)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
      'skipped',
    ]);
  });

  it('no case matches: default runs', async () => {
    const host = fakeHost();
    const [nodes, edges] = graph('all');
    await executeRun(runOf([...nodes], [...edges], [], { total: 1, country: 'US' }), host);
    expect(host.last('route')?.firedHandles).toEqual(['default']);
    expect(host.last('on_default')?.status).toBe('succeeded');
    expect(host.last('on_large')?.status).toBe('skipped');
  });

  it('an edge from a case that was removed keeps the graph from running, naming edge and output', async () => {
    const host = fakeHost();
    const [nodes, edges] = graph('first');
    const withoutEu = nodes.map((n) =>
      n.id === 'route' ? { ...n, config: { cases: [(n.config.cases as unknown[])[0]] } } : n,
    );
    const outcome = await executeRun(runOf(withoutEu, [...edges]), host);
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'invalid_graph' } });
    if (outcome.status === 'failed')
      expect(outcome.error.message).toContain(
        'Edge "route-eu-on_eu" leaves node "route" through output "eu", which does not exist; valid outputs: "large", "default"',
      );
  });

  it('a dry-run shows which case fired, through the same engine', async () => {
    const [nodes, edges] = graph('first');
    const result = await dryRun({
      runCode: runCodeInSandbox,
      scenarioId: 's1',
      graph: { nodes: [...nodes], edges: [...edges] },
      trigger: { total: 5, country: 'DE' },
    });
    expect(result.status).toBe('succeeded');
    expect(result.nodes.find((n) => n.nodeId === 'route')).toMatchObject({
      firedHandles: ['eu'],
      output: { matched: ['eu'] },
    });
    expect(result.skipped).toEqual(['on_large', 'on_default']);
  });
});
