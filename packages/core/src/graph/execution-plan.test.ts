import { describe, expect, it } from 'vitest';
import { buildExecutionPlan, InvalidGraphError } from './execution-plan.js';
import { loadGraphFixture, makeGraph } from './test-fixtures.js';
import { testLookup } from './test-node-types.js';

function edgeIds(edges: readonly { id: string }[] | undefined): string[] | undefined {
  return edges?.map((e) => e.id);
}

describe('buildExecutionPlan', () => {
  it('indexes edges per node and per handle, in edge order', () => {
    const plan = buildExecutionPlan(loadGraphFixture('if-else-merge'), testLookup);
    expect(plan.triggerId).toBe('hook');
    expect(plan.nodeIds).toEqual(['hook', 'check', 'yes', 'no', 'no_log', 'join', 'done']);
    expect(edgeIds(plan.outgoing.get('check'))).toEqual(['check-yes', 'check-no']);
    expect(edgeIds(plan.incoming.get('join'))).toEqual(['yes-join', 'no_log-join']);
    expect(edgeIds(plan.incoming.get('hook'))).toEqual([]);
    expect(edgeIds(plan.outgoing.get('done'))).toEqual([]);
    expect([...(plan.outgoingByHandle.get('check')?.keys() ?? [])]).toEqual(['true', 'false']);
    expect(edgeIds(plan.outgoingByHandle.get('check')?.get('false'))).toEqual(['check-no']);
    expect(edgeIds(plan.incomingByHandle.get('join')?.get('in'))).toEqual(['yes-join', 'no_log-join']);
    expect(plan.inputHandles.get('join')).toEqual([{ id: 'in', label: 'Input', multiple: true }]);
    expect(plan.nodes.get('check')?.type).toBe('condition');
  });

  it('gives a stable topological order and the static waves', () => {
    const plan = buildExecutionPlan(loadGraphFixture('diamond-merge'), testLookup);
    expect(plan.order).toEqual(['hook', 'left', 'right', 'join', 'done']);
    expect(plan.levels).toEqual([['hook'], ['left', 'right'], ['join'], ['done']]);

    const wide = buildExecutionPlan(loadGraphFixture('wide-fan-out'), testLookup);
    expect(wide.levels).toEqual([
      ['hook'],
      ['w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7', 'w8'],
      ['join'],
      ['done'],
    ]);
  });

  it('tolerates unreachable nodes (they are skipped at run time)', () => {
    const plan = buildExecutionPlan(loadGraphFixture('unreachable'), testLookup);
    expect(plan.levels).toEqual([
      ['hook', 'b', 'orphan'],
      ['a', 'c'],
    ]);
  });

  it('tolerates invalid config (resolved and checked per node when it runs)', () => {
    const graph = makeGraph({
      nodes: [
        ['hook', 'trigger.webhook'],
        ['fetch', 'http.request', {}],
      ],
      edges: ['hook->fetch'],
    });
    expect(buildExecutionPlan(graph, testLookup).order).toEqual(['hook', 'fetch']);
  });

  it.each([
    ['cycle', ['self_loop', 'cycle', 'cycle']],
    ['multiple-triggers', ['multiple_triggers']],
    ['dangling-edge', ['unknown_source_handle', 'dangling_edge', 'dangling_edge', 'unknown_target_handle']],
  ] as const)('refuses %s, listing the problems', (name, codes) => {
    const graph = loadGraphFixture(name);
    let thrown: unknown;
    try {
      buildExecutionPlan(graph, testLookup);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidGraphError);
    const error = thrown as InvalidGraphError;
    expect(error.problems.map((p) => p.code)).toEqual(codes);
    expect(error.message).toContain(error.problems[0]?.message);
  });

  it('refuses a graph without a trigger', () => {
    expect(() => buildExecutionPlan({ nodes: [], edges: [] }, testLookup)).toThrow(
      'The scenario graph cannot run: The scenario has no trigger node; add one trigger to start it.',
    );
  });
});
