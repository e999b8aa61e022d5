/**
 * The graph the editor edits. React Flow renders `nodes`/`edges` (kept in refs as the source of
 * truth and mirrored into a store only the canvas reads); every edit goes through `applyGraph`,
 * which records an undo snapshot, reports the edit (for autosave) and, unless only positions
 * moved, bumps `specVersion` (validation and panels follow it). Dragging updates positions only
 * and commits once, when the drag ends.
 */
import { applyEdgeChanges, applyNodeChanges, type OnEdgesChange, type OnNodesChange } from '@xyflow/react';
import { useCallback, useMemo, useRef, useState } from 'react';
import type { Scenario } from '../api/types';
import { createValueStore } from '../lib/store';
import type { FlowState } from './EditorCanvas';
import { type EditableGraph, type FlowEdge, type FlowNode, fromFlow, toFlow } from './graph';
import { commit, createHistory, type History, redo, reset, undo } from './history';
import { reparentMoved } from './loop-geometry';

export interface ApplyOptions {
  readonly key?: string;
  readonly record?: boolean;
  readonly positionsOnly?: boolean;
}

export function graphOf(draft: Scenario['draft']): EditableGraph {
  return { nodes: draft.nodes, edges: draft.edges };
}

export function useEditorGraph(draft: Scenario['draft'], onEdited: () => void) {
  const initial = useMemo(() => toFlow(graphOf(draft)), [draft]);
  const nodesRef = useRef<FlowNode[]>(initial.nodes);
  const edgesRef = useRef<FlowEdge[]>(initial.edges);
  // What the canvas renders. Only the canvas subscribes: a drag re-renders it, not the editor.
  const [flowStore] = useState(() => createValueStore<FlowState>({ nodes: initial.nodes, edges: initial.edges }));
  const historyRef = useRef<History<EditableGraph>>(createHistory(graphOf(draft)));
  const [historyVersion, setHistoryVersion] = useState(0);
  const [specVersion, setSpecVersion] = useState(0);

  const currentGraph = useCallback(() => fromFlow(nodesRef.current, edgesRef.current), []);

  const showFlow = useCallback((next: { nodes: FlowNode[]; edges: FlowEdge[] }) => {
    nodesRef.current = next.nodes;
    edgesRef.current = next.edges;
    flowStore.set(next);
  }, [flowStore]);

  /** Every edit of the graph: show it, record it for undo, mark it for autosave. */
  const applyGraph = useCallback(
    (next: EditableGraph, options: ApplyOptions = {}) => {
      showFlow(toFlow(next, { nodes: nodesRef.current, edges: edgesRef.current }));
      if (options.record !== false) {
        historyRef.current = commit(historyRef.current, next, options.key === undefined ? {} : { key: options.key });
      }
      setHistoryVersion((v) => v + 1);
      if (!options.positionsOnly) setSpecVersion((v) => v + 1);
      onEdited();
    },
    [showFlow, onEdited],
  );

  /** Another graph altogether (someone else's save): shown, with a fresh undo history. */
  const replaceGraph = useCallback((next: EditableGraph) => {
    showFlow(toFlow(next, { nodes: nodesRef.current, edges: edgesRef.current }));
    historyRef.current = reset(next);
    setHistoryVersion((v) => v + 1);
    setSpecVersion((v) => v + 1);
  }, [showFlow]);

  const select = useCallback(
    (nodeIds: readonly string[]) => {
      const wanted = new Set(nodeIds);
      showFlow({
        nodes: nodesRef.current.map((node) =>
          Boolean(node.selected) === wanted.has(node.id) ? node : { ...node, selected: wanted.has(node.id) },
        ),
        edges: edgesRef.current.map((edge) => (edge.selected ? { ...edge, selected: false } : edge)),
      });
    },
    [showFlow],
  );

  const travel = useCallback(
    (direction: 'undo' | 'redo') => {
      const next = direction === 'undo' ? undo(historyRef.current) : redo(historyRef.current);
      if (next === historyRef.current) return;
      historyRef.current = next;
      applyGraph(next.present, { record: false });
    },
    [applyGraph],
  );

  const onNodesChange: OnNodesChange<FlowNode> = useCallback(
    (changes) => {
      const relevant = changes.filter((change) => change.type !== 'remove' && change.type !== 'add');
      if (relevant.length === 0) return;
      const next = applyNodeChanges(relevant, nodesRef.current);
      nodesRef.current = next;
      flowStore.set({ nodes: next, edges: edgesRef.current });
      const dragEnded = relevant.some((change) => change.type === 'position' && change.dragging === false);
      if (dragEnded) {
        const moved = relevant.flatMap((c) => (c.type === 'position' && c.dragging === false ? [c.id] : []));
        const before = currentGraph();
        const reparented = reparentMoved(before, moved);
        // Into a loop's body or out of it: an edit like any other (validated, undoable, saved).
        if (reparented !== before) return applyGraph(reparented);
        const graph = before;
        if (graph.nodes.some((node, i) => {
          const before = historyRef.current.present.nodes[i];
          return !before || before.position.x !== node.position.x || before.position.y !== node.position.y;
        })) {
          historyRef.current = commit(historyRef.current, graph);
          setHistoryVersion((v) => v + 1);
          onEdited();
        }
      }
    },
    [applyGraph, currentGraph, flowStore, onEdited],
  );

  const onEdgesChange: OnEdgesChange<FlowEdge> = useCallback((changes) => {
    const relevant = changes.filter((change) => change.type === 'select');
    if (relevant.length === 0) return;
    const next = applyEdgeChanges(relevant, edgesRef.current);
    edgesRef.current = next;
    flowStore.set({ nodes: nodesRef.current, edges: next });
  }, [flowStore]);

  return {
    nodesRef,
    edgesRef,
    flowStore,
    historyRef,
    historyVersion,
    specVersion,
    currentGraph,
    applyGraph,
    replaceGraph,
    select,
    travel,
    onNodesChange,
    onEdgesChange,
  };
}
