import { describe, expect, it } from 'vitest';
import { buildExecutionPlan } from './execution-plan.js';
import { indexGraph } from './graph-index.js';
import { downstreamNodeIds, upstreamNodeIds } from './lineage.js';
import { loadGraphFixture, makeGraph } from './test-fixtures.js';
import { testLookup } from './test-node-types.js';

describe('upstreamNodeIds / downstreamNodeIds', () => {
  const plan = buildExecutionPlan(loadGraphFixture('if-else-merge'), testLookup);

  it('lists every ancestor, nearest first, without the node itself', () => {
    expect(upstreamNodeIds(plan, 'join')).toEqual(['yes', 'no_log', 'check', 'no', 'hook']);
    expect(upstreamNodeIds(plan, 'no_log')).toEqual(['no', 'check', 'hook']);
    expect(upstreamNodeIds(plan, 'hook')).toEqual([]);
  });

  it('lists every descendant, nearest first', () => {
    expect(downstreamNodeIds(plan, 'check')).toEqual(['yes', 'no', 'join', 'no_log', 'done']);
    expect(downstreamNodeIds(plan, 'done')).toEqual([]);
  });

  it('knows nothing of an unknown node', () => {
    expect(upstreamNodeIds(plan, 'ghost')).toEqual([]);
  });

  it('works on a draft index, cycles included', () => {
    const draft = indexGraph(loadGraphFixture('cycle'));
    expect(upstreamNodeIds(draft, 'b')).toEqual(['a', 'hook', 'c']);
    expect(downstreamNodeIds(draft, 'd')).toEqual(['e']);
  });

  it('walks a 5,000-node chain without recursion', () => {
    const ids = Array.from({ length: 5_000 }, (_, i) => `n${i}`);
    const chain = indexGraph(
      makeGraph({
        nodes: ids.map((id) => [id, 'logger'] as const),
        edges: ids.slice(1).map((id, i) => `${ids[i]}->${id}`),
      }),
    );
    expect(upstreamNodeIds(chain, 'n4999')).toHaveLength(4_999);
    expect(downstreamNodeIds(chain, 'n0').at(-1)).toBe('n4999');
  });
});
