import type { ScenarioNode } from '@weft/core';
import { describe, expect, it } from 'vitest';
import { fromFlow, toFlow } from './graph';
import { removeElements } from './graph-edit';
import { loopSize, reparentMoved } from './loop-geometry';

const node = (id: string, type: string, x: number, y: number, parentId?: string): ScenarioNode => ({
  id,
  type,
  version: type === 'http.request' ? 2 : 1,
  config: {},
  position: { x, y },
  ...(parentId ? { parentId } : {}),
});

const graph = {
  nodes: [
    node('start', 'trigger.manual', 0, 0),
    node('loop', 'loop.forEach', 300, 0),
    node('inner', 'transform', 40, 100, 'loop'),
    node('outside', 'logger', 900, 0),
  ],
  edges: [{ id: 'e1', source: 'loop', sourceHandle: 'body', target: 'inner', targetHandle: 'in' }],
};

describe('loops on the canvas', () => {
  it('draws a loop as the parent of its body, sized to hold it, parents first', () => {
    const flow = toFlow({
      ...graph,
      nodes: [graph.nodes[2]!, ...graph.nodes.filter((n) => n.id !== 'inner')],
    });
    expect(flow.nodes.map((n) => n.id)).toEqual(['start', 'loop', 'outside', 'inner']);
    expect(flow.nodes.find((n) => n.id === 'loop')).toMatchObject({
      type: 'weftLoop',
      width: 420,
      height: 240,
    });
    expect(flow.nodes.find((n) => n.id === 'inner')).toMatchObject({ type: 'weft', parentId: 'loop' });
    expect(fromFlow(flow.nodes, flow.edges).nodes.find((n) => n.id === 'inner')).toMatchObject({
      parentId: 'loop',
      position: { x: 40, y: 100 },
    });
    expect(
      loopSize({ ...graph, nodes: [...graph.nodes, node('far', 'logger', 500, 300, 'loop')] }, 'loop'),
    ).toEqual({
      width: 760,
      height: 412,
    });
  });

  it('moves a node dropped on a loop into its body, and one dragged out of it back out, keeping its place', () => {
    const into = reparentMoved(
      {
        ...graph,
        nodes: graph.nodes.map((n) => (n.id === 'outside' ? { ...n, position: { x: 400, y: 120 } } : n)),
      },
      ['outside'],
    );
    expect(into.nodes.find((n) => n.id === 'outside')).toMatchObject({
      parentId: 'loop',
      position: { x: 100, y: 120 },
    });

    const out = reparentMoved(
      {
        ...graph,
        nodes: graph.nodes.map((n) => (n.id === 'inner' ? { ...n, position: { x: 600, y: 400 } } : n)),
      },
      ['inner'],
    );
    const moved = out.nodes.find((n) => n.id === 'inner')!;
    expect(moved.parentId).toBeUndefined();
    expect(moved.position).toEqual({ x: 900, y: 400 });
    // Triggers and loops stay at the top level; a node that stays put is the same graph.
    expect(reparentMoved(graph, ['start', 'loop', 'inner'])).toBe(graph);
  });

  it('removes a loop’s body with the loop', () => {
    const left = removeElements(graph, new Set(['loop']), new Set());
    expect(left.nodes.map((n) => n.id)).toEqual(['start', 'outside']);
    expect(left.edges).toEqual([]);
  });
});
