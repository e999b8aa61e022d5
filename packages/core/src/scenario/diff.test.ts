import { describe, expect, it } from 'vitest';
import type { ScenarioNode } from '../schemas/graph.js';
import { diffGraphs } from './diff.js';

const n = (id: string, config: Record<string, unknown>, x = 0): ScenarioNode => ({
  id,
  type: 'logger',
  version: 1,
  config,
  position: { x, y: 0 },
});

describe('diffGraphs', () => {
  const published = {
    nodes: [n('t', {}), n('a', { message: 'hi', level: 'info' }), n('gone', { message: 'x' })],
    edges: [
      { id: 'e1', source: 't', sourceHandle: 'out', target: 'a', targetHandle: 'in' },
      { id: 'e2', source: 'a', sourceHandle: 'out', target: 'gone', targetHandle: 'in' },
    ],
  };

  it('lists added, removed, changed and moved nodes and edges', () => {
    const draft = {
      nodes: [n('t', {}, 50), n('a', { level: 'info', message: 'hello' }), n('new', { message: 'y' })],
      edges: [
        { id: 'renamed', source: 't', sourceHandle: 'out', target: 'a', targetHandle: 'in' },
        { id: 'e3', source: 'a', sourceHandle: 'out', target: 'new', targetHandle: 'in' },
      ],
    };
    expect(diffGraphs(published, draft)).toEqual({
      nodes: {
        added: ['new'],
        removed: ['gone'],
        changed: [{ nodeId: 'a', fields: ['config'] }],
        moved: ['t'],
      },
      edges: { added: ['e3'], removed: ['e2'] },
      unchanged: false,
    });
  });

  it('key order and positions alone are no change', () => {
    const draft = {
      ...published,
      nodes: [n('t', {}, 99), n('a', { level: 'info', message: 'hi' }), n('gone', { message: 'x' })],
    };
    const diff = diffGraphs(published, draft);
    expect(diff.unchanged).toBe(true);
    expect(diff.nodes.moved).toEqual(['t']);
  });
});
