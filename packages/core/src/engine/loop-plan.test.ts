import { describe, expect, it } from 'vitest';
import type { GraphShape } from '../graph/types.js';
import { registryLookup } from '../nodes/lookup.js';
import { planRun } from './loop-plan.js';
import { edge, node } from './loop-test-host.js';

const graph = (): GraphShape => ({
  nodes: [
    node('hook', 'trigger.manual', {}),
    node('loop', 'loop.forEach', { items: '{{ trigger.lines }}' }),
    { ...node('each', 'logger', { message: 'x' }), parentId: 'loop' },
  ],
  edges: [edge('hook', 'loop'), edge('loop', 'each', 'body')],
});

describe('planRun', () => {
  it('plans a graph once for every run of it, and again when the graph or the cap differ', () => {
    const version = graph();
    const first = planRun({ nodes: version.nodes, edges: version.edges }, registryLookup, 1024);
    expect(first.bodies.get('loop')?.plan.order).toEqual(['loop', 'each']);
    // Each run builds its own `{ nodes, edges }` around the cached version's lists.
    expect(planRun({ nodes: version.nodes, edges: version.edges }, registryLookup, 1024)).toBe(first);
    expect(planRun({ nodes: version.nodes, edges: version.edges }, registryLookup, 2048)).not.toBe(first);
    const copy = graph();
    const again = planRun(copy, registryLookup, 1024);
    expect(again).not.toBe(first);
    expect(again.plan.order).toEqual(first.plan.order);
  });

  it('does not keep a graph it refused', () => {
    const broken: GraphShape = { nodes: graph().nodes, edges: [edge('hook', 'nowhere')] };
    expect(() => planRun(broken, registryLookup, 1024)).toThrow();
    expect(() => planRun(broken, registryLookup, 1024)).toThrow();
  });
});
