import { describe, expect, it } from 'vitest';
import { layoutPositions } from './layout';

describe('layoutPositions', () => {
  it('lays a chain out left to right and branches side by side', () => {
    const nodes = ['a', 'b', 'c', 'd'].map((id) => ({ id, width: 200, height: 60 }));
    const edges = [
      { source: 'a', target: 'b' },
      { source: 'b', target: 'c' },
      { source: 'b', target: 'd' },
    ];
    const positions = layoutPositions(nodes, edges);
    const at = (id: string) => positions.get(id)!;
    expect(at('a').x).toBeLessThan(at('b').x);
    expect(at('b').x).toBeLessThan(at('c').x);
    expect(at('c').x).toBe(at('d').x);
    expect(at('c').y).not.toBe(at('d').y);
    for (const position of positions.values()) {
      expect(Number.isInteger(position.x)).toBe(true);
      expect(Number.isInteger(position.y)).toBe(true);
    }
  });

  it('places unconnected nodes and ignores dangling edges and loops', () => {
    const positions = layoutPositions(
      [{ id: 'a' }, { id: 'b' }],
      [
        { source: 'a', target: 'zzz' },
        { source: 'a', target: 'a' },
      ],
    );
    expect(positions.size).toBe(2);
  });

  it('lays out a 300-node tree: every node on a spot of its own, each child right of its parent', () => {
    const nodes = Array.from({ length: 300 }, (_, i) => ({ id: `n${i}` }));
    const edges = nodes.slice(1).map((node, i) => ({ source: `n${Math.floor(i / 3)}`, target: node.id }));
    const positions = layoutPositions(nodes, edges);
    expect(positions.size).toBe(300);
    expect(new Set([...positions.values()].map((p) => `${p.x},${p.y}`)).size).toBe(300);
    for (const { source, target } of edges)
      expect(positions.get(source)!.x).toBeLessThan(positions.get(target)!.x);
  });
});
