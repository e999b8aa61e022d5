import { describe, expect, it } from 'vitest';
import { loadGraphFixture, makeGraph } from './test-fixtures.js';
import { testLookup } from './test-node-types.js';
import type { GraphProblem } from './types.js';
import { validateGraph } from './validate-graph.js';

/** The identifying part of problems, for exact list comparisons. */
function brief(problems: readonly GraphProblem[]) {
  return problems.map(({ code, nodeId, edgeId, path, cycle }) => ({ code, nodeId, edgeId, path, cycle }));
}

describe('validateGraph on the fixtures', () => {
  it.each(['linear', 'diamond-merge', 'if-else-merge', 'wide-fan-out'] as const)(
    '%s has no problems',
    (name) => {
      expect(validateGraph(loadGraphFixture(name), testLookup)).toEqual([]);
    },
  );

  it('cycle: the self-loop, then one cycle per strongly connected component with its path', () => {
    const problems = validateGraph(loadGraphFixture('cycle'), testLookup);
    expect(brief(problems)).toEqual([
      { code: 'self_loop', nodeId: 'f', edgeId: 'f-f' },
      { code: 'cycle', nodeId: 'a', cycle: ['a', 'b', 'c'] },
      { code: 'cycle', nodeId: 'd', cycle: ['d', 'e'] },
    ]);
    expect(problems.map((p) => p.message)).toEqual([
      'Edge "f-f" connects node "f" to itself.',
      'Nodes "a", "b", "c" form a cycle: a → b → c → a.',
      'Nodes "d", "e" form a cycle: d → e → d.',
    ]);
  });

  it('multiple-triggers: one problem listing the triggers', () => {
    const problems = validateGraph(loadGraphFixture('multiple-triggers'), testLookup);
    expect(brief(problems)).toEqual([{ code: 'multiple_triggers' }]);
    expect(problems[0]?.message).toBe(
      'The scenario has 2 trigger nodes ("hook", "manual"); a scenario starts from exactly one.',
    );
  });

  it('unreachable: every node no path from the trigger leads to', () => {
    const problems = validateGraph(loadGraphFixture('unreachable'), testLookup);
    expect(brief(problems)).toEqual([
      { code: 'unreachable_node', nodeId: 'b' },
      { code: 'unreachable_node', nodeId: 'c' },
      { code: 'unreachable_node', nodeId: 'orphan' },
    ]);
    expect(problems[0]?.message).toBe(
      'Node "b" is not reachable from trigger "hook"; connect it or remove it.',
    );
  });

  it('dangling-edge: missing ends say which, unknown handles name the valid ones', () => {
    const problems = validateGraph(loadGraphFixture('dangling-edge'), testLookup);
    expect(brief(problems)).toEqual([
      { code: 'unknown_source_handle', nodeId: 'check', edgeId: 'check-no' },
      { code: 'dangling_edge', edgeId: 'yes-ghost' },
      { code: 'dangling_edge', edgeId: 'phantom-done' },
      { code: 'unknown_target_handle', nodeId: 'done', edgeId: 'no-done' },
    ]);
    expect(problems.map((p) => p.message)).toEqual([
      'Edge "check-no" leaves node "check" through output "maybe", which does not exist; valid outputs: "true", "false".',
      'Edge "yes-ghost" goes to missing node "ghost".',
      'Edge "phantom-done" comes from missing node "phantom".',
      'Edge "no-done" enters node "done" through input "side", which does not exist; valid inputs: "in".',
    ]);
  });
});

describe('validateGraph, one rule at a time', () => {
  it('reports a duplicated node id once, with the number of nodes using it', () => {
    const graph = makeGraph({
      nodes: [
        ['hook', 'trigger.webhook'],
        ['a', 'logger'],
        ['a', 'logger'],
      ],
      edges: ['hook->a'],
    });
    const problems = validateGraph(graph, testLookup);
    expect(brief(problems)).toEqual([{ code: 'duplicate_node_id', nodeId: 'a' }]);
    expect(problems[0]?.message).toBe('Node id "a" is used by 2 nodes; node ids must be unique.');
  });

  it('reports a duplicated edge id once', () => {
    const graph = makeGraph({
      nodes: [
        ['hook', 'trigger.webhook'],
        ['a', 'logger'],
        ['b', 'logger'],
      ],
      edges: ['x: hook->a', 'x: a->b'],
    });
    expect(brief(validateGraph(graph, testLookup))).toEqual([{ code: 'duplicate_edge_id', edgeId: 'x' }]);
  });

  it('reports an unknown node type and checks neither its handles nor its config', () => {
    const graph = makeGraph({
      nodes: [
        ['hook', 'trigger.webhook'],
        ['mystery', 'acme.thing', { anything: 1 }],
      ],
      edges: ['hook->mystery.whatever', 'mystery.weird->hook2'],
    });
    const problems = validateGraph(graph, testLookup);
    expect(brief(problems)).toEqual([
      { code: 'unknown_node_type', nodeId: 'mystery' },
      { code: 'dangling_edge', edgeId: 'e2' },
    ]);
    expect(problems[0]?.message).toBe('Node "mystery" has unknown type "acme.thing".');
  });

  it('says when both ends of an edge are missing', () => {
    const graph = makeGraph({ nodes: [['hook', 'trigger.webhook']], edges: ['x->y'] });
    expect(validateGraph(graph, testLookup)).toEqual([
      { code: 'dangling_edge', edgeId: 'e1', message: 'Edge "e1" connects missing nodes "x" and "y".' },
    ]);
  });

  it('names the handles of a node type that has no outputs', () => {
    const noOutputs = { ...testLookup('logger')!, outputsOf: () => [] };
    const graph = makeGraph({
      nodes: [
        ['hook', 'trigger.webhook'],
        ['sink', 'sink'],
        ['a', 'logger'],
      ],
      edges: ['hook->sink', 'sink->a'],
    });
    const problems = validateGraph(graph, (type) => (type === 'sink' ? noOutputs : testLookup(type)));
    expect(problems.map((p) => p.message)).toEqual([
      'Edge "e2" leaves node "sink" through output "out", which does not exist; it has no outputs.',
    ]);
  });

  it('reports a graph without a trigger, and no unreachable nodes on top of it', () => {
    const graph = makeGraph({
      nodes: [
        ['a', 'logger'],
        ['b', 'logger'],
      ],
      edges: ['a->b'],
    });
    expect(brief(validateGraph(graph, testLookup))).toEqual([{ code: 'no_trigger' }]);
    expect(brief(validateGraph({ nodes: [], edges: [] }, testLookup))).toEqual([{ code: 'no_trigger' }]);
  });

  it('reports each edge into a trigger', () => {
    const graph = makeGraph({
      nodes: [
        ['hook', 'trigger.webhook'],
        ['a', 'logger'],
        ['manual', 'trigger.manual'],
      ],
      edges: ['hook->a', 'a->manual'],
    });
    const problems = validateGraph(graph, testLookup);
    expect(brief(problems)).toEqual([
      { code: 'multiple_triggers' },
      { code: 'trigger_has_input', nodeId: 'manual', edgeId: 'e2' },
    ]);
    expect(problems[1]?.message).toBe(
      'Edge "e2" goes into trigger node "manual"; a trigger cannot have inputs.',
    );
  });

  it('reports a repeated connection as duplicate_edge, and not also as two edges into a single input', () => {
    const graph = makeGraph({
      nodes: [
        ['hook', 'trigger.webhook'],
        ['a', 'logger'],
      ],
      edges: ['hook->a', 'hook.out->a.in'],
    });
    const problems = validateGraph(graph, testLookup);
    expect(brief(problems)).toEqual([{ code: 'duplicate_edge', edgeId: 'e2' }]);
    expect(problems[0]?.message).toBe('Edge "e2" duplicates edge "e1" (hook.out → a.in).');
  });

  it('reports several edges into a single input, but accepts them into a `multiple` input', () => {
    const graph = makeGraph({
      nodes: [
        ['hook', 'trigger.webhook'],
        ['check', 'condition'],
        ['a', 'logger'],
        ['join', 'merge'],
      ],
      edges: ['hook->check', 'check.true->a', 'check.false->a', 'check.true->join', 'check.false->join'],
    });
    const problems = validateGraph(graph, testLookup);
    expect(brief(problems)).toEqual([{ code: 'multiple_edges_to_single_input', nodeId: 'a' }]);
    expect(problems[0]?.message).toBe(
      'Input "in" of node "a" accepts a single edge but 2 edges enter it ("e2", "e3"); join them with a merge node.',
    );
  });

  it('reports each config issue with its path, ignoring fields that hold expressions', () => {
    const graph = makeGraph({
      nodes: [
        ['hook', 'trigger.webhook'],
        ['fetch', 'http.request', { method: 'FETCH', headers: [{ name: '', value: 'x' }] }],
        ['dynamic', 'http.request', { url: '{{ trigger.body.callback }}' }],
      ],
      edges: ['hook->fetch', 'fetch->dynamic'],
    });
    const problems = validateGraph(graph, testLookup);
    expect(brief(problems)).toEqual([
      { code: 'invalid_config', nodeId: 'fetch', path: ['url'] },
      { code: 'invalid_config', nodeId: 'fetch', path: ['method'] },
      { code: 'invalid_config', nodeId: 'fetch', path: ['headers', 0, 'name'] },
    ]);
    expect(problems[0]?.message).toMatch(/^Node "fetch" \(http\.request\) field "url": /);
    expect(problems[2]?.message).toMatch(/^Node "fetch" \(http\.request\) field "headers\[0\]\.name": /);
  });

  it('lists every problem of a badly broken graph, grouped and in array order', () => {
    const graph = makeGraph({
      nodes: [
        ['a', 'logger'],
        ['a', 'logger'],
        ['t1', 'trigger.webhook'],
        ['t2', 'trigger.manual'],
        ['c', 'condition'],
        ['x', 'nope'],
        ['fetch', 'http.request'],
      ],
      edges: [
        't1->a',
        't1->c',
        'c.true->fetch',
        'c.true->fetch',
        'fetch->c',
        'c.no->a',
        'fetch->gone',
        'a->t2',
        'a->a',
      ],
    });
    expect(brief(validateGraph(graph, testLookup))).toEqual([
      { code: 'duplicate_node_id', nodeId: 'a' },
      { code: 'unknown_node_type', nodeId: 'x' },
      { code: 'unknown_source_handle', nodeId: 'c', edgeId: 'e6' },
      { code: 'dangling_edge', edgeId: 'e7' },
      { code: 'self_loop', nodeId: 'a', edgeId: 'e9' },
      { code: 'duplicate_edge', edgeId: 'e4' },
      { code: 'multiple_edges_to_single_input', nodeId: 'a' },
      { code: 'multiple_edges_to_single_input', nodeId: 'c' },
      { code: 'multiple_triggers' },
      { code: 'trigger_has_input', nodeId: 't2', edgeId: 'e8' },
      { code: 'cycle', nodeId: 'c', cycle: ['c', 'fetch'] },
      { code: 'unreachable_node', nodeId: 'x' },
      { code: 'invalid_config', nodeId: 'fetch', path: ['url'] },
    ]);
  });
});

describe('outputs listed in the config', () => {
  it('an edge from a switch case that no longer exists is an unknown_source_handle naming the outputs left', () => {
    const graph = makeGraph({
      nodes: [
        ['hook', 'trigger.webhook'],
        ['route', 'switch', { cases: [{ id: 'a', label: 'A' }] }],
        ['x', 'logger'],
        ['y', 'logger'],
        ['z', 'logger'],
      ],
      edges: ['hook->route', 'route.a->x', 'route.b->y', 'route.default->z'],
    });
    const problems = validateGraph(graph, testLookup);
    expect(brief(problems)).toEqual([{ code: 'unknown_source_handle', nodeId: 'route', edgeId: 'e3' }]);
    expect(problems[0]?.message).toBe(
      'Edge "e3" leaves node "route" through output "b", which does not exist; valid outputs: "a", "default".',
    );
  });
});
