/**
 * The scenario graph ⇄ React Flow mapping and node/edge ids (no runtime import of core, so the
 * run view can use it without loading the registry). Editing operations are in `graph-edit.ts`.
 * The editor keeps React Flow's node objects for rendering (positions, selection, measured
 * sizes) and maps them back to a `ScenarioGraph` for saving, validating and undo snapshots.
 */
import type { Edge, Node } from '@xyflow/react';
import type { ScenarioEdge, ScenarioNode } from '@weft/core';
import type { OutputHandleSource } from '@weft/core/handles';
import type { EditableGraph } from './editable-graph';
import { isLoop, loopSize, parentsFirst } from './loop-geometry';

export { DEFAULT_NODE_SIZE, type EditableGraph } from './editable-graph';

/** A node without its position: what the canvas shows and the side panel edits. */
export type NodeSpec = Omit<ScenarioNode, 'position'>;
export type FlowNodeData = { spec: NodeSpec };
/** `weftLoop`: a for-each loop, drawn as the parent (group) node of its body. */
export type FlowNode = Node<FlowNodeData, 'weft' | 'weftLoop'>;
export type FlowEdge = Edge<Record<string, never>, 'weft'>;

/**
 * What the editor needs to know of a node type (a subset of the registry catalog entry). A node's
 * outputs depend on its config too: `nodeOutputHandles(info, node.config)` from `@weft/core/handles`.
 */
export interface NodeTypeInfo extends OutputHandleSource {
  readonly type: string;
  readonly version: number;
  readonly title: string;
  readonly inputs: readonly { readonly id: string; readonly label: string; readonly multiple?: boolean }[];
}

export type TypeLookup = (type: string) => NodeTypeInfo | undefined;

function specOf(node: ScenarioNode): NodeSpec {
  const { position: _position, ...spec } = node;
  return spec;
}

/** `loopSize`: a for-each loop's size on the canvas (see loop-geometry.ts); absent for other nodes. */
export function toFlowNode(
  node: ScenarioNode,
  previous?: FlowNode,
  loopSize?: { width: number; height: number },
): FlowNode {
  const spec = specOf(node);
  if (
    previous &&
    previous.position.x === node.position.x &&
    previous.position.y === node.position.y &&
    sameJson(previous.data.spec, spec) &&
    previous.width === loopSize?.width &&
    previous.height === loopSize?.height
  ) {
    return previous;
  }
  const { parentId: _parentId, width: _width, height: _height, ...rest } = previous ?? ({} as Partial<FlowNode>);
  return {
    ...rest,
    id: node.id,
    type: loopSize ? 'weftLoop' : 'weft',
    position: { x: node.position.x, y: node.position.y },
    ...(node.parentId === undefined ? {} : { parentId: node.parentId }),
    ...(loopSize ? { width: loopSize.width, height: loopSize.height } : {}),
    data: previous && sameJson(previous.data.spec, spec) ? previous.data : { spec },
  };
}

export function toFlowEdge(edge: ScenarioEdge, previous?: FlowEdge): FlowEdge {
  if (
    previous &&
    previous.source === edge.source &&
    previous.target === edge.target &&
    previous.sourceHandle === edge.sourceHandle &&
    previous.targetHandle === edge.targetHandle
  ) {
    return previous;
  }
  return {
    ...(previous ?? {}),
    id: edge.id,
    type: 'weft',
    source: edge.source,
    target: edge.target,
    sourceHandle: edge.sourceHandle,
    targetHandle: edge.targetHandle,
  };
}

/**
 * React Flow objects for a graph. With `previous`, objects that did not change are reused (same
 * identity: React Flow and memoised node components skip them) and selection is kept.
 */
export function toFlow(
  graph: EditableGraph,
  previous?: { nodes: readonly FlowNode[]; edges: readonly FlowEdge[] },
): { nodes: FlowNode[]; edges: FlowEdge[] } {
  const oldNodes = new Map((previous?.nodes ?? []).map((node) => [node.id, node]));
  const oldEdges = new Map((previous?.edges ?? []).map((edge) => [edge.id, edge]));
  return {
    nodes: parentsFirst(graph.nodes).map((node) =>
      toFlowNode(node, oldNodes.get(node.id), isLoop(node) ? loopSize(graph, node.id) : undefined),
    ),
    edges: graph.edges.map((edge) => toFlowEdge(edge, oldEdges.get(edge.id))),
  };
}

/** The graph React Flow shows, as the API stores it (positions rounded: sub-pixel moves are noise). */
export function fromFlow(nodes: readonly FlowNode[], edges: readonly FlowEdge[]): EditableGraph {
  return {
    nodes: nodes.map((node) => ({
      ...node.data.spec,
      position: { x: Math.round(node.position.x), y: Math.round(node.position.y) },
    })),
    edges: edges.map((edge) => ({
      id: edge.id,
      source: edge.source,
      sourceHandle: edge.sourceHandle ?? 'out',
      target: edge.target,
      targetHandle: edge.targetHandle ?? 'in',
    })),
  };
}

export function sameJson(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** A readable node id (expressions say `nodes.<id>`): `http_request`, then `http_request_2` … */
export function nodeIdFor(type: string, taken: ReadonlySet<string>): string {
  const last = type.startsWith('trigger.') ? type.slice('trigger.'.length) : type;
  let base = last.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'node';
  if (!/^[A-Za-z_]/.test(base)) base = `n_${base}`;
  base = base.slice(0, 56);
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}_${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

export function edgeIdFor(
  connection: { source: string; target: string; sourceHandle: string },
  taken: ReadonlySet<string>,
): string {
  const base = `${connection.source}${connection.sourceHandle === 'out' ? '' : `.${connection.sourceHandle}`}->${connection.target}`.slice(
    0,
    120,
  );
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}#${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}
