/** Adding a node: from the palette (a click puts it in the middle of the view, a drop where it is dropped). */
import { useReactFlow } from '@xyflow/react';
import { type DragEvent, type RefObject, useCallback } from 'react';
import type { App, CatalogEntry } from '../api/types';
import { DEFAULT_NODE_SIZE, type EditableGraph, type FlowEdge, type FlowNode } from './graph';
import { createNode } from './graph-edit';
import { reparentMoved } from './loop-geometry';
import { DRAG_TYPE } from './Palette';

export interface AddNodeOptions {
  readonly catalog: ReadonlyMap<string, CatalogEntry>;
  readonly apps: readonly App[];
  readonly canvasRef: RefObject<HTMLDivElement | null>;
  readonly currentGraph: () => EditableGraph;
  readonly applyGraph: (next: EditableGraph) => void;
  readonly select: (nodeIds: readonly string[]) => void;
}

export function useAddNode({ catalog: catalogMap, apps, canvasRef, currentGraph, applyGraph, select }: AddNodeOptions) {
  const flow = useReactFlow<FlowNode, FlowEdge>();
  const addNode = useCallback(
    (type: string, at?: { x: number; y: number }) => {
      const info = catalogMap.get(type);
      if (!info) return;
      const graph = currentGraph();
      let position = at;
      if (!position) {
        const rect = canvasRef.current?.getBoundingClientRect();
        const center = rect
          ? flow.screenToFlowPosition({ x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 })
          : { x: 0, y: 0 };
        position = { x: center.x - DEFAULT_NODE_SIZE.width / 2, y: center.y - DEFAULT_NODE_SIZE.height / 2 };
        // Do not stack clicks on top of each other.
        while (graph.nodes.some((n) => Math.abs(n.position.x - position!.x) < 30 && Math.abs(n.position.y - position!.y) < 30)) {
          position = { x: position.x + 30, y: position.y + 90 };
        }
      }
      const config: Record<string, unknown> = {};
      if (type === 'trigger.webhook' && apps.length === 1 && apps[0]) config.appId = apps[0].id;
      const node = createNode(info, position, graph, config);
      applyGraph(reparentMoved({ nodes: [...graph.nodes, node], edges: graph.edges }, at ? [node.id] : []));
      select([node.id]);
    },
    [apps, applyGraph, canvasRef, catalogMap, currentGraph, flow, select],
  );

  const onDragOver = useCallback((event: DragEvent) => {
    if (event.dataTransfer.types.includes(DRAG_TYPE)) {
      event.preventDefault();
      event.dataTransfer.dropEffect = 'move';
    }
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      const type = event.dataTransfer.getData(DRAG_TYPE);
      if (!type) return;
      event.preventDefault();
      const point = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
      addNode(type, { x: point.x - DEFAULT_NODE_SIZE.width / 2, y: point.y - 20 });
    },
    [addNode, flow],
  );

  return { addNode, onDragOver, onDrop };
}
