/** The React Flow canvas of the editor: the only part of it that re-renders while a node is dragged. */
import {
  Background,
  type Connection,
  Controls,
  MiniMap,
  type OnEdgesChange,
  type OnNodesChange,
  type OnSelectionChangeFunc,
  ReactFlow,
} from '@xyflow/react';
import { type DragEvent, memo, type RefObject, useCallback, useSyncExternalStore } from 'react';
import type { CatalogEntry } from '../api/types';
import type { ValueStore } from '../lib/store';
import { edgeTypes, nodeTypes } from './canvas';
import type { FlowEdge, FlowNode } from './graph';

/** Above this many nodes, React Flow renders only what is in view. */
const VISIBLE_ONLY_THRESHOLD = 200;

export interface FlowState {
  readonly nodes: FlowNode[];
  readonly edges: FlowEdge[];
}

export interface EditorCanvasProps {
  readonly store: ValueStore<FlowState>;
  readonly canvasRef: RefObject<HTMLDivElement | null>;
  readonly catalog: ReadonlyMap<string, CatalogEntry>;
  readonly initialView: { readonly fit: boolean; readonly viewport: { x: number; y: number; zoom: number } };
  readonly onNodesChange: OnNodesChange<FlowNode>;
  readonly onEdgesChange: OnEdgesChange<FlowEdge>;
  readonly onConnect: (connection: Connection) => void;
  readonly isValidConnection: (connection: Connection | FlowEdge) => boolean;
  readonly onSelectionChange: OnSelectionChangeFunc<FlowNode, FlowEdge>;
  readonly onDragOver: (event: DragEvent) => void;
  readonly onDrop: (event: DragEvent) => void;
}

export const EditorCanvas = memo(function EditorCanvas({
  store,
  canvasRef,
  catalog,
  initialView,
  onNodesChange,
  onEdgesChange,
  onConnect,
  isValidConnection,
  onSelectionChange,
  onDragOver,
  onDrop,
}: EditorCanvasProps) {
  const { nodes, edges } = useSyncExternalStore(store.subscribe, store.get);
  const minimapClass = useCallback(
    (node: FlowNode) => `minimap-node cat-${catalog.get(node.data.spec.type)?.category ?? 'x'}`,
    [catalog],
  );
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: the drop target of the palette; clicking a palette item is the keyboard path
    <div className="canvas" ref={canvasRef} onDragOver={onDragOver} onDrop={onDrop} data-testid="canvas">
      <ReactFlow<FlowNode, FlowEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        isValidConnection={isValidConnection}
        onSelectionChange={onSelectionChange}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={MULTI_SELECT_KEYS}
        onlyRenderVisibleElements={nodes.length > VISIBLE_ONLY_THRESHOLD}
        defaultViewport={initialView.viewport}
        fitView={initialView.fit}
        fitViewOptions={FIT_OPTIONS}
        minZoom={0.1}
        maxZoom={2}
        defaultEdgeOptions={EDGE_OPTIONS}
        proOptions={PRO_OPTIONS}
      >
        <Background gap={20} size={1} />
        <Controls showInteractive={false} />
        <MiniMap pannable zoomable style={MINIMAP_STYLE} nodeStrokeWidth={3} nodeClassName={minimapClass} />
      </ReactFlow>
      {nodes.length === 0 ? (
        <div className="canvas-empty">
          <strong>Start with a trigger</strong>
          <span>Drag “Webhook” from the left, or click it. Then add what should happen next.</span>
        </div>
      ) : null}
    </div>
  );
});

const MULTI_SELECT_KEYS = ['Meta', 'Control'];
const FIT_OPTIONS = { padding: 0.2, maxZoom: 1.2 };
const EDGE_OPTIONS = { type: 'weft' };
const PRO_OPTIONS = { hideAttribution: true };
const MINIMAP_STYLE = { width: 150, height: 100 };
