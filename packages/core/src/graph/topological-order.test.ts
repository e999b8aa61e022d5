import { describe, expect, it } from 'vitest';
import { indexGraph } from './graph-index.js';
import { loadGraphFixture, makeGraph } from './test-fixtures.js';
import { layerGraph, topologicalOrder } from './topological-order.js';

describe('topologicalOrder', () => {
  it('orders a chain', () => {
    expect(topologicalOrder(loadGraphFixture('linear'))).toEqual({
      ok: true,
      order: ['hook', 'log', 'fetch', 'done'],
    });
  });

  it('orders if/else branches wave by wave', () => {
    expect(topologicalOrder(loadGraphFixture('if-else-merge'))).toEqual({
      ok: true,
      order: ['hook', 'check', 'yes', 'no', 'no_log', 'join', 'done'],
    });
  });

  it('is stable: ties follow the node array, whatever the edge order', () => {
    const nodes = [
      ['done', 'logger'],
      ['right', 'logger'],
      ['hook', 'trigger.webhook'],
      ['join', 'merge'],
      ['left', 'logger'],
    ] as const;
    const edges = ['left->join', 'hook->left', 'right->join', 'join->done', 'hook->right'];
    const result = topologicalOrder(makeGraph({ nodes, edges }));
    expect(result).toEqual({ ok: true, order: ['hook', 'right', 'left', 'join', 'done'] });
    expect(topologicalOrder(makeGraph({ nodes, edges: [...edges].reverse() }))).toEqual(result);
  });

  it('returns the first cycle instead of an order', () => {
    expect(topologicalOrder(loadGraphFixture('cycle'))).toEqual({ ok: false, cycle: ['a', 'b', 'c'] });
    const selfLoop = makeGraph({ nodes: [['a', 'logger']], edges: ['a->a'] });
    expect(topologicalOrder(selfLoop)).toEqual({ ok: false, cycle: ['a'] });
  });

  it('orders an empty graph', () => {
    expect(topologicalOrder({ nodes: [], edges: [] })).toEqual({ ok: true, order: [] });
  });

  it('orders a 5,000-node chain', () => {
    const ids = Array.from({ length: 5_000 }, (_, i) => `n${i}`);
    const graph = makeGraph({
      nodes: [...ids].reverse().map((id) => [id, 'logger'] as const),
      edges: ids.slice(1).map((id, i) => `${ids[i]}->${id}`),
    });
    expect(topologicalOrder(graph)).toEqual({ ok: true, order: ids });
  });
});

describe('layerGraph', () => {
  it('puts each node one wave after its latest predecessor', () => {
    const result = layerGraph(indexGraph(loadGraphFixture('if-else-merge')));
    expect(result.ok && result.levels).toEqual([
      ['hook'],
      ['check'],
      ['yes', 'no'],
      ['no_log'],
      ['join'],
      ['done'],
    ]);
  });

  it('starts every node without inputs in wave 0', () => {
    const result = layerGraph(indexGraph(loadGraphFixture('unreachable')));
    expect(result.ok && result.levels).toEqual([
      ['hook', 'b', 'orphan'],
      ['a', 'c'],
    ]);
  });
});
