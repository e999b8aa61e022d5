import { describe, expect, it } from 'vitest';
import { findCycles, formatCycle } from './cycles.js';
import { indexGraph } from './graph-index.js';
import { loadGraphFixture, makeGraph } from './test-fixtures.js';
import type { GraphShape } from './types.js';

function cyclesOf(graph: GraphShape): string[][] {
  return findCycles(indexGraph(graph));
}

function chain(length: number, closed: boolean): GraphShape {
  const ids = Array.from({ length }, (_, i) => `n${i}`);
  const edges = ids.slice(1).map((id, i) => `${ids[i]}->${id}`);
  if (closed) edges.push(`${ids[length - 1]}->n0`);
  return makeGraph({ nodes: ids.map((id) => [id, 'logger'] as const), edges });
}

describe('findCycles', () => {
  it('finds nothing in a DAG', () => {
    expect(cyclesOf(loadGraphFixture('if-else-merge'))).toEqual([]);
    expect(cyclesOf({ nodes: [], edges: [] })).toEqual([]);
  });

  it('reports one cycle per strongly connected component, self-loops as single nodes', () => {
    expect(cyclesOf(loadGraphFixture('cycle'))).toEqual([['a', 'b', 'c'], ['d', 'e'], ['f']]);
  });

  it('starts each cycle at the component node that comes first in the node array', () => {
    const graph = makeGraph({
      nodes: [
        ['z', 'logger'],
        ['y', 'logger'],
        ['x', 'logger'],
      ],
      edges: ['x->y', 'y->z', 'z->x'],
    });
    expect(cyclesOf(graph)).toEqual([['z', 'x', 'y']]);
  });

  it('reports the shortest cycle through that node when a component has several', () => {
    const graph = makeGraph({
      nodes: ['a', 'b', 'c', 'd'].map((id) => [id, 'logger'] as const),
      edges: ['a->b', 'b->c', 'c->d', 'd->a', 'b->a'],
    });
    expect(cyclesOf(graph)).toEqual([['a', 'b']]);
  });

  it('does not report a self-loop separately when its node is in a larger cycle', () => {
    const graph = makeGraph({
      nodes: [
        ['a', 'logger'],
        ['b', 'logger'],
      ],
      edges: ['a->a', 'a->b', 'b->a'],
    });
    expect(cyclesOf(graph)).toEqual([['a', 'b']]);
  });

  it('walks a 5,000-node cycle without overflowing the stack', () => {
    const cycles = cyclesOf(chain(5_000, true));
    expect(cycles).toHaveLength(1);
    expect(cycles[0]).toHaveLength(5_000);
    expect(cycles[0]?.slice(0, 3)).toEqual(['n0', 'n1', 'n2']);
    expect(cyclesOf(chain(5_000, false))).toEqual([]);
  });
});

describe('formatCycle', () => {
  it('closes the path with its first node', () => {
    expect(formatCycle(['a', 'b', 'c'])).toBe('a → b → c → a');
    expect(formatCycle(['f'])).toBe('f → f');
  });
});
