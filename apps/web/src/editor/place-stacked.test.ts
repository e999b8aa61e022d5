import type { ScenarioNode } from '@weft/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_NODE_SIZE, type EditableGraph } from './editable-graph';
import { loopSize } from './loop-geometry';
import { placeStackedNodes } from './place-stacked';
import { stackedNodeIds } from './stacked';

function node(id: string, x = 0, y = 0, extra: Partial<ScenarioNode> = {}): ScenarioNode {
  return { id, type: 'logger', version: 1, config: {}, position: { x, y }, ...extra };
}

function edge(source: string, target: string) {
  return { id: `${source}->${target}`, source, sourceHandle: 'out', target, targetHandle: 'in' };
}

/** Whether two nodes' boxes overlap; `aSize` for a loop, the card's size otherwise. */
function overlaps(a: ScenarioNode, b: ScenarioNode, aSize = DEFAULT_NODE_SIZE): boolean {
  const bSize = DEFAULT_NODE_SIZE;
  return (
    a.position.x < b.position.x + bSize.width &&
    b.position.x < a.position.x + aSize.width &&
    a.position.y < b.position.y + bSize.height &&
    b.position.y < a.position.y + aSize.height
  );
}

describe('stackedNodeIds', () => {
  it('names nodes sharing a spot with another of their level; a loop body is a level of its own', () => {
    const graph: EditableGraph = {
      nodes: [
        node('t'),
        node('a'),
        node('b', 300, 0),
        node('loop', 600, 0, { type: 'loop.forEach' }),
        node('inner', 0, 0, { parentId: 'loop' }),
      ],
      edges: [],
    };
    expect(stackedNodeIds(graph)).toEqual(new Set(['t', 'a']));
  });
});

describe('placeStackedNodes', () => {
  it('returns a graph with nothing stacked as it is', () => {
    const graph: EditableGraph = { nodes: [node('a'), node('b', 300, 0)], edges: [edge('a', 'b')] };
    expect(placeStackedNodes(graph)).toBe(graph);
  });

  it('lays out a graph without positions left to right from the trigger, no two nodes overlapping', () => {
    const graph: EditableGraph = {
      nodes: [node('start', 0, 0, { type: 'trigger.manual' }), node('a'), node('b'), node('c')],
      edges: [edge('start', 'a'), edge('a', 'b'), edge('a', 'c')],
    };
    const placed = placeStackedNodes(graph);
    const at = (id: string) => placed.nodes.find((n) => n.id === id)!;
    expect(at('start').position.x).toBeLessThan(at('a').position.x);
    expect(at('a').position.x).toBeLessThan(at('b').position.x);
    for (const [i, a] of placed.nodes.entries())
      for (const b of placed.nodes.slice(i + 1)) expect(overlaps(a, b), `${a.id} and ${b.id}`).toBe(false);
    expect(stackedNodeIds(placed).size).toBe(0);
    expect(placed.edges).toBe(graph.edges);
  });

  it('keeps placed nodes where they are and lays the stacked ones out below them', () => {
    const graph: EditableGraph = {
      nodes: [node('kept', 500, 200), node('x', 40, 40), node('y', 40, 40)],
      edges: [edge('x', 'y')],
    };
    const placed = placeStackedNodes(graph);
    const at = (id: string) => placed.nodes.find((n) => n.id === id)!;
    expect(at('kept').position).toEqual({ x: 500, y: 200 });
    expect(at('x').position.y).toBeGreaterThanOrEqual(200 + DEFAULT_NODE_SIZE.height);
    expect(at('y').position.y).toBeGreaterThanOrEqual(200 + DEFAULT_NODE_SIZE.height);
    expect(at('x').position.x).toBeLessThan(at('y').position.x);
  });

  it('lays out a loop body inside its loop, then the top level with the loop at its grown size', () => {
    const graph: EditableGraph = {
      nodes: [
        node('start', 0, 0, { type: 'trigger.manual' }),
        node('loop', 0, 0, { type: 'loop.forEach' }),
        node('one', 0, 0, { parentId: 'loop' }),
        node('two', 0, 0, { parentId: 'loop' }),
        node('three', 0, 0, { parentId: 'loop' }),
        node('after'),
      ],
      edges: [edge('start', 'loop'), edge('one', 'two'), edge('two', 'three'), { ...edge('loop', 'after'), sourceHandle: 'done' }],
    };
    const placed = placeStackedNodes(graph);
    const at = (id: string) => placed.nodes.find((n) => n.id === id)!;
    for (const id of ['one', 'two', 'three']) {
      expect(at(id).parentId).toBe('loop');
      expect(at(id).position.x).toBeGreaterThanOrEqual(40);
      expect(at(id).position.y).toBeGreaterThanOrEqual(90);
    }
    expect(at('one').position.x).toBeLessThan(at('two').position.x);
    const size = loopSize(placed, 'loop');
    expect(size.width).toBeGreaterThan(3 * DEFAULT_NODE_SIZE.width);
    expect(overlaps(at('loop'), at('after'), size)).toBe(false);
    expect(overlaps(at('loop'), at('start'), size)).toBe(false);
  });
});
