/**
 * Editing operations on the scenario graph that are pure: whether a connection is allowed,
 * adding, deleting, duplicating and updating nodes.
 */
import { downstreamNodeIds, indexGraph, type ScenarioEdge, type ScenarioNode } from '@weft/core';
import { nodeOutputHandles } from '@weft/core/handles';
import { type EditableGraph, edgeIdFor, type NodeSpec, type NodeTypeInfo, nodeIdFor, type TypeLookup } from './graph';

export interface ConnectionAttempt {
  readonly source: string | null;
  readonly target: string | null;
  readonly sourceHandle?: string | null;
  readonly targetHandle?: string | null;
}

/** Why this connection cannot be made, as a sentence; null when it can. */
export function connectionProblem(
  graph: EditableGraph,
  connection: ConnectionAttempt,
  lookup: TypeLookup,
): string | null {
  const { source, target } = connection;
  if (!source || !target) return 'Connect an output to an input.';
  if (source === target) return 'A node cannot connect to itself.';
  const sourceNode = graph.nodes.find((node) => node.id === source);
  const targetNode = graph.nodes.find((node) => node.id === target);
  if (!sourceNode || !targetNode) return 'Both ends must be nodes of this scenario.';
  const sourceType = lookup(sourceNode.type);
  const targetType = lookup(targetNode.type);
  const outputs = sourceType ? nodeOutputHandles(sourceType, sourceNode.config) : [];
  const sourceHandle = connection.sourceHandle ?? outputs[0]?.id ?? 'out';
  const targetHandle = connection.targetHandle ?? targetType?.inputs[0]?.id ?? 'in';
  if (sourceType && !outputs.some((handle) => handle.id === sourceHandle)) {
    return `"${source}" has no output "${sourceHandle}".`;
  }
  if (targetType && targetType.inputs.length === 0) {
    return `"${target}" is a trigger: nothing connects into it.`;
  }
  const input = targetType?.inputs.find((handle) => handle.id === targetHandle);
  if (targetType && !input) return `"${target}" has no input "${targetHandle}".`;
  const duplicate = graph.edges.some(
    (edge) =>
      edge.source === source &&
      edge.target === target &&
      edge.sourceHandle === sourceHandle &&
      edge.targetHandle === targetHandle,
  );
  if (duplicate) return 'These handles are connected already.';
  if (downstreamNodeIds(indexGraph(graph), target).includes(source)) {
    return `This would make a loop: "${source}" already follows "${target}".`;
  }
  if (input && !input.multiple) {
    const occupied = graph.edges.find((edge) => edge.target === target && edge.targetHandle === targetHandle);
    if (occupied) {
      return `"${target}" takes one input and already gets "${occupied.source}"; use a Merge node to combine several.`;
    }
  }
  return null;
}

/** The graph with the connection added (call `connectionProblem` first). */
export function addConnection(
  graph: EditableGraph,
  connection: { source: string; target: string; sourceHandle: string; targetHandle: string },
): EditableGraph {
  const id = edgeIdFor(connection, new Set(graph.edges.map((edge) => edge.id)));
  return { nodes: graph.nodes, edges: [...graph.edges, { id, ...connection }] };
}

/** A new node of a type at a position, with an id that is free. */
export function createNode(
  info: Pick<NodeTypeInfo, 'type' | 'version'>,
  position: { x: number; y: number },
  graph: EditableGraph,
  config: Record<string, unknown> = {},
): ScenarioNode {
  const id = nodeIdFor(info.type, new Set(graph.nodes.map((node) => node.id)));
  return {
    id,
    type: info.type,
    version: info.version,
    config,
    position: { x: Math.round(position.x), y: Math.round(position.y) },
  };
}

/** Removes nodes and edges; edges of removed nodes go too. */
export function removeElements(
  graph: EditableGraph,
  nodeIds: ReadonlySet<string>,
  edgeIds: ReadonlySet<string>,
): EditableGraph {
  // A removed for-each loop takes its body with it.
  const removed = new Set(nodeIds);
  for (const node of graph.nodes) if (node.parentId !== undefined && nodeIds.has(node.parentId)) removed.add(node.id);
  return {
    nodes: graph.nodes.filter((node) => !removed.has(node.id)),
    edges: graph.edges.filter(
      (edge) => !edgeIds.has(edge.id) && !removed.has(edge.source) && !removed.has(edge.target),
    ),
  };
}

/**
 * Copies of the given nodes (offset), with the edges between them; expressions in the copies
 * that read a copied node are not rewritten (they keep reading the original).
 */
export function duplicateNodes(
  graph: EditableGraph,
  nodeIds: ReadonlySet<string>,
  offset = { x: 40, y: 40 },
): { graph: EditableGraph; newIds: string[] } {
  const taken = new Set(graph.nodes.map((node) => node.id));
  const mapping = new Map<string, string>();
  const copies: ScenarioNode[] = [];
  for (const node of graph.nodes) {
    if (!nodeIds.has(node.id) || node.type.startsWith('trigger.')) continue;
    const id = nodeIdFor(node.type, taken);
    taken.add(id);
    mapping.set(node.id, id);
    copies.push({
      ...structuredClone(node),
      id,
      position: { x: node.position.x + offset.x, y: node.position.y + offset.y },
    });
  }
  const edgeIds = new Set(graph.edges.map((edge) => edge.id));
  const edges: ScenarioEdge[] = [];
  for (const edge of graph.edges) {
    const source = mapping.get(edge.source);
    const target = mapping.get(edge.target);
    if (!source || !target) continue;
    const id = edgeIdFor({ source, target, sourceHandle: edge.sourceHandle }, edgeIds);
    edgeIds.add(id);
    edges.push({ ...edge, id, source, target });
  }
  return {
    graph: { nodes: [...graph.nodes, ...copies], edges: [...graph.edges, ...edges] },
    newIds: [...mapping.values()],
  };
}

/** Replaces one node's spec (config, name, retry …), keeping its position. */
export function updateNodeSpec(graph: EditableGraph, nodeId: string, spec: NodeSpec): EditableGraph {
  return {
    nodes: graph.nodes.map((node) => (node.id === nodeId ? { ...spec, position: node.position } : node)),
    edges: graph.edges,
  };
}
