import { nodeCatalog, type ScenarioNode } from '@weft/core';
import { describe, expect, it } from 'vitest';
import { type EditableGraph, edgeIdFor, fromFlow, nodeIdFor, toFlow, type TypeLookup } from './graph';
import { addConnection, connectionProblem, createNode, duplicateNodes, removeElements, updateNodeSpec } from './graph-edit';

const catalog = new Map(nodeCatalog().map((entry) => [entry.type as string, entry]));
const lookup: TypeLookup = (type) => catalog.get(type);

const node = (id: string, type: string, x = 0, config: Record<string, unknown> = {}): ScenarioNode => ({
  id,
  type,
  version: catalog.get(type)?.version ?? 1,
  config,
  position: { x, y: 0 },
});

const graph: EditableGraph = {
  nodes: [
    node('webhook', 'trigger.webhook', 0, { appId: '0123456789abcdef01234567' }),
    node('check', 'condition', 200, { expression: 'true' }),
    node('yes', 'logger', 400, { message: 'yes' }),
    node('merge', 'merge', 600),
  ],
  edges: [
    { id: 'e1', source: 'webhook', sourceHandle: 'out', target: 'check', targetHandle: 'in' },
    { id: 'e2', source: 'check', sourceHandle: 'true', target: 'yes', targetHandle: 'in' },
  ],
};

describe('graph ⇄ React Flow', () => {
  it('round-trips a graph', () => {
    const flow = toFlow(graph);
    expect(flow.nodes[1]).toMatchObject({ id: 'check', type: 'weft', position: { x: 200, y: 0 } });
    expect(flow.edges[1]).toMatchObject({ source: 'check', sourceHandle: 'true', target: 'yes' });
    expect(fromFlow(flow.nodes, flow.edges)).toEqual(graph);
  });

  it('reuses unchanged objects and keeps selection', () => {
    const first = toFlow(graph);
    const selected = first.nodes.map((n) => (n.id === 'yes' ? { ...n, selected: true } : n));
    const moved: EditableGraph = {
      ...graph,
      nodes: graph.nodes.map((n) => (n.id === 'check' ? { ...n, position: { x: 250, y: 10 } } : n)),
    };
    const second = toFlow(moved, { nodes: selected, edges: first.edges });
    expect(second.nodes[0]).toBe(selected[0]);
    expect(second.nodes[1]).not.toBe(selected[1]);
    expect(second.nodes[1]?.data).toBe(selected[1]?.data);
    expect(second.nodes[2]?.selected).toBe(true);
    expect(second.edges[0]).toBe(first.edges[0]);
  });

  it('rounds positions when mapping back', () => {
    const flow = toFlow(graph);
    const nodes = flow.nodes.map((n) => ({ ...n, position: { x: n.position.x + 0.4, y: 10.6 } }));
    expect(fromFlow(nodes, flow.edges).nodes[1]?.position).toEqual({ x: 200, y: 11 });
  });
});

describe('ids', () => {
  it('makes readable, free node ids', () => {
    expect(nodeIdFor('http.request', new Set())).toBe('http_request');
    expect(nodeIdFor('http.request', new Set(['http_request']))).toBe('http_request_2');
    expect(nodeIdFor('trigger.webhook', new Set())).toBe('webhook');
    expect(nodeIdFor('9lives', new Set())).toBe('n_9lives');
  });

  it('makes free edge ids', () => {
    expect(edgeIdFor({ source: 'a', target: 'b', sourceHandle: 'out' }, new Set())).toBe('a->b');
    expect(edgeIdFor({ source: 'a', target: 'b', sourceHandle: 'true' }, new Set())).toBe('a.true->b');
    expect(edgeIdFor({ source: 'a', target: 'b', sourceHandle: 'out' }, new Set(['a->b']))).toBe('a->b#2');
  });
});

describe('connectionProblem', () => {
  it('accepts a valid connection', () => {
    expect(
      connectionProblem(graph, { source: 'yes', target: 'merge', sourceHandle: 'out', targetHandle: 'in' }, lookup),
    ).toBeNull();
  });

  it('explains why a connection is refused', () => {
    const attempt = (source: string, target: string, sourceHandle = 'out', targetHandle = 'in') =>
      connectionProblem(graph, { source, target, sourceHandle, targetHandle }, lookup);
    expect(attempt('check', 'check', 'true')).toMatch(/itself/);
    expect(attempt('check', 'webhook', 'false')).toMatch(/trigger/);
    expect(attempt('check', 'yes', 'true')).toMatch(/connected already/);
    expect(attempt('check', 'yes', 'false')).toMatch(/takes one input/);
    expect(attempt('yes', 'check')).toMatch(/loop/);
    expect(attempt('check', 'merge', 'maybe')).toMatch(/no output "maybe"/);
    expect(attempt('yes', 'merge', 'out', 'side')).toMatch(/no input "side"/);
    expect(connectionProblem(graph, { source: null, target: 'yes' }, lookup)).toMatch(/Connect/);
  });

  it('lets a merge input take several edges', () => {
    const withOne = addConnection(graph, { source: 'yes', target: 'merge', sourceHandle: 'out', targetHandle: 'in' });
    expect(
      connectionProblem(withOne, { source: 'check', target: 'merge', sourceHandle: 'false', targetHandle: 'in' }, lookup),
    ).toBeNull();
  });
});

describe('editing', () => {
  it('adds a node with a free id', () => {
    const created = createNode({ type: 'logger', version: 1 }, { x: 10.2, y: 20.7 }, graph);
    expect(created).toEqual({ id: 'logger', type: 'logger', version: 1, config: {}, position: { x: 10, y: 21 } });
  });

  it('removes nodes with their edges', () => {
    const next = removeElements(graph, new Set(['check']), new Set());
    expect(next.nodes.map((n) => n.id)).toEqual(['webhook', 'yes', 'merge']);
    expect(next.edges).toEqual([]);
    expect(removeElements(graph, new Set(), new Set(['e2'])).edges.map((e) => e.id)).toEqual(['e1']);
  });

  it('duplicates nodes and the edges between them, never a trigger', () => {
    const { graph: next, newIds } = duplicateNodes(graph, new Set(['webhook', 'check', 'yes']));
    expect(newIds).toEqual(['condition', 'logger']);
    expect(next.nodes).toHaveLength(6);
    const copiedEdge = next.edges.at(-1);
    expect(copiedEdge).toMatchObject({ source: 'condition', target: 'logger', sourceHandle: 'true' });
    expect(next.nodes.find((n) => n.id === 'logger')?.position).toEqual({ x: 440, y: 40 });
  });

  it('updates a spec and keeps the position', () => {
    const next = updateNodeSpec(graph, 'yes', {
      id: 'yes',
      type: 'logger',
      version: 1,
      config: { message: 'changed' },
    });
    expect(next.nodes[2]).toEqual({ ...node('yes', 'logger', 400, { message: 'changed' }) });
  });
});

describe('outputs that depend on the config', () => {
  const routed: EditableGraph = {
    nodes: [
      node('start', 'trigger.manual'),
      node('route', 'switch', 200, { cases: [{ id: 'big', label: 'Big', expression: 'true' }] }),
      node('call', 'http.request', 400, { url: 'https://example.com' }),
      node('log', 'logger', 600, { message: 'x' }),
    ],
    edges: [],
  };

  it('a switch connects from its cases and default; an action node from its error output', () => {
    const attempt = (source: string, sourceHandle: string) =>
      connectionProblem(routed, { source, target: 'log', sourceHandle, targetHandle: 'in' }, lookup);
    expect(attempt('route', 'big')).toBeNull();
    expect(attempt('route', 'default')).toBeNull();
    expect(attempt('route', 'small')).toBe('"route" has no output "small".');
    expect(attempt('call', 'error')).toBeNull();
    expect(attempt('route', 'error')).toBe('"route" has no output "error".');
  });
});
