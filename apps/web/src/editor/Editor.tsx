/**
 * The scenario editor. React Flow renders `nodes`/`edges` (kept in refs as the source of truth
 * and mirrored into state for rendering); every edit goes through `applyGraph`, which records
 * an undo snapshot, marks the draft edited for autosave and, unless only positions moved,
 * schedules validation. Dragging updates positions only and commits once, when the drag ends.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  applyEdgeChanges,
  applyNodeChanges,
  Background,
  type Connection,
  Controls,
  MiniMap,
  type OnEdgesChange,
  type OnNodesChange,
  type OnSelectionChangeFunc,
  ReactFlow,
  useReactFlow,
} from '@xyflow/react';
import { type GraphProblem, oauth2ConnectionProblems, registryLookup, stepFiredHandle, validateGraph } from '@weft/core';
import {
  type DragEvent,
  memo,
  type RefObject,
  useCallback,
  useEffect,
  useMemo,
  useReducer,
  useRef,
  useState,
  useSyncExternalStore,
} from 'react';
import { createValueStore, type ValueStore } from '../lib/store';
import { conflictRevision, describeError, isConflict } from '../api/errors';
import { useTRPC, useTRPCClient } from '../api/trpc';
import type { App, CatalogEntry, Connection as ConnectionView, DryRunResult, Scenario } from '../api/types';
import { Badge, Button, Link, useToast } from '../components/ui';
import { autosaveReducer, describeSave, hasUnsavedChanges, initialAutosave, saveDelay } from './autosave';
import { reparentMoved } from './loop-geometry';
import { edgeTypes, nodeTypes } from './canvas';
import { CanvasContext, createCanvasStores, type EdgeDecoration, type NodeDecoration } from './canvas-context';
import { DryRunPanel } from './DryRunPanel';
import { HelpDialog, PublishDialog, VersionsDialog } from './EditorDialogs';
import { NodePanel, OverviewPanel } from './EditorPanels';
import {
  DEFAULT_NODE_SIZE,
  type EditableGraph,
  type FlowEdge,
  type FlowNode,
  fromFlow,
  type NodeSpec,
  toFlow,
  type TypeLookup,
} from './graph';
import { addConnection, connectionProblem, createNode, duplicateNodes, removeElements, updateNodeSpec } from './graph-edit';
import { canRedo, canUndo, commit, createHistory, type History, redo, reset, undo } from './history';
import { DRAG_TYPE, Palette } from './Palette';
import { useCallTargetProblems } from './call-targets';
import { indexProblems, missingOutputs, shortMessage } from './problems';
import { commandFor, type EditorCommand, isTextField } from './shortcuts';

export interface EditorProps {
  readonly scenario: Scenario;
  readonly catalog: readonly CatalogEntry[];
  readonly apps: readonly App[];
  readonly connections: readonly ConnectionView[];
}

type DialogName = 'publish' | 'versions' | 'help' | null;

const VALIDATE_DEBOUNCE_MS = 120;
/** Above this many nodes, React Flow renders only what is in view. */
const VISIBLE_ONLY_THRESHOLD = 200;

function graphOf(draft: Scenario['draft']): EditableGraph {
  return { nodes: draft.nodes, edges: draft.edges };
}

export function Editor({ scenario, catalog, apps, connections }: EditorProps) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const toast = useToast();
  const flow = useReactFlow<FlowNode, FlowEdge>();
  const canvasRef = useRef<HTMLDivElement>(null);

  // ── the graph ───────────────────────────────────────────────────────────────────────────────
  const initial = useMemo(() => toFlow(graphOf(scenario.draft)), [scenario.draft]);
  const nodesRef = useRef<FlowNode[]>(initial.nodes);
  const edgesRef = useRef<FlowEdge[]>(initial.edges);
  // What the canvas renders. Only the canvas subscribes: a drag re-renders it, not the editor.
  const [flowStore] = useState(() => createValueStore<FlowState>({ nodes: initial.nodes, edges: initial.edges }));
  const historyRef = useRef<History<EditableGraph>>(createHistory(graphOf(scenario.draft)));
  const [historyVersion, setHistoryVersion] = useState(0);
  const [specVersion, setSpecVersion] = useState(0);
  const [name, setName] = useState(scenario.name);
  const nameRef = useRef(scenario.name);
  const [enabled, setEnabled] = useState(scenario.enabled);
  const [publishedVersion, setPublishedVersion] = useState(scenario.version);
  const [selection, setSelection] = useState<{ nodes: string[]; edges: string[] }>({ nodes: [], edges: [] });
  const [dialog, setDialog] = useState<DialogName>(null);
  const [bottomOpen, setBottomOpen] = useState(false);
  const [dryRun, setDryRun] = useState<{ result: DryRunResult; specVersion: number } | null>(null);
  const [dryRunRequest, setDryRunRequest] = useState(0);
  const [save, dispatch] = useReducer(autosaveReducer, scenario.revision, initialAutosave);
  const saveRef = useRef(save);
  saveRef.current = save;

  const catalogMap = useMemo(() => new Map(catalog.map((entry) => [entry.type as string, entry])), [catalog]);
  const lookup: TypeLookup = useCallback((type) => catalogMap.get(type), [catalogMap]);
  const appNames = useMemo(() => new Map(apps.map((app) => [app.id, app.name])), [apps]);
  const stores = useMemo(() => createCanvasStores(), []);
  const canvasContext = useMemo(
    () => ({ nodes: stores.nodes, edges: stores.edges, catalog: catalogMap, appName: (id: string) => appNames.get(id) }),
    [stores, catalogMap, appNames],
  );

  const currentGraph = useCallback(() => fromFlow(nodesRef.current, edgesRef.current), []);

  const showFlow = useCallback((next: { nodes: FlowNode[]; edges: FlowEdge[] }) => {
    nodesRef.current = next.nodes;
    edgesRef.current = next.edges;
    flowStore.set(next);
  }, [flowStore]);

  /** Every edit of the graph: show it, record it for undo, mark it for autosave. */
  const applyGraph = useCallback(
    (next: EditableGraph, options: { key?: string; record?: boolean; positionsOnly?: boolean } = {}) => {
      showFlow(toFlow(next, { nodes: nodesRef.current, edges: edgesRef.current }));
      if (options.record !== false) {
        historyRef.current = commit(historyRef.current, next, options.key === undefined ? {} : { key: options.key });
      }
      setHistoryVersion((v) => v + 1);
      if (!options.positionsOnly) setSpecVersion((v) => v + 1);
      dispatch({ type: 'edited', at: Date.now() });
    },
    [showFlow],
  );

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

  // ── React Flow callbacks ────────────────────────────────────────────────────────────────────
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
          dispatch({ type: 'edited', at: Date.now() });
        }
      }
    },
    [applyGraph, currentGraph, flowStore],
  );

  const onEdgesChange: OnEdgesChange<FlowEdge> = useCallback((changes) => {
    const relevant = changes.filter((change) => change.type === 'select');
    if (relevant.length === 0) return;
    const next = applyEdgeChanges(relevant, edgesRef.current);
    edgesRef.current = next;
    flowStore.set({ nodes: nodesRef.current, edges: next });
  }, [flowStore]);

  const onSelectionChange: OnSelectionChangeFunc<FlowNode, FlowEdge> = useCallback(({ nodes: n, edges: e }) => {
    setSelection({ nodes: n.map((node) => node.id), edges: e.map((edge) => edge.id) });
  }, []);

  const isValidConnection = useCallback(
    (connection: Connection | FlowEdge) => connectionProblem(currentGraph(), connection, lookup) === null,
    [currentGraph, lookup],
  );

  const onConnect = useCallback(
    (connection: Connection) => {
      const graph = currentGraph();
      const problem = connectionProblem(graph, connection, lookup);
      if (problem) {
        toast(problem, 'bad');
        return;
      }
      const source = connection.source;
      const target = connection.target;
      const sourceInfo = lookup(graph.nodes.find((n) => n.id === source)?.type ?? '');
      const targetInfo = lookup(graph.nodes.find((n) => n.id === target)?.type ?? '');
      applyGraph(
        addConnection(graph, {
          source,
          target,
          sourceHandle: connection.sourceHandle ?? sourceInfo?.outputs[0]?.id ?? 'out',
          targetHandle: connection.targetHandle ?? targetInfo?.inputs[0]?.id ?? 'in',
        }),
      );
    },
    [applyGraph, currentGraph, lookup, toast],
  );

  // ── adding nodes ────────────────────────────────────────────────────────────────────────────
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
    [apps, applyGraph, catalogMap, currentGraph, flow, select],
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

  // ── commands ────────────────────────────────────────────────────────────────────────────────
  const updateSpec = useCallback(
    (nodeId: string, spec: NodeSpec, key: string) => {
      applyGraph(updateNodeSpec(currentGraph(), nodeId, spec), { key: `${nodeId}:${key}` });
    },
    [applyGraph, currentGraph],
  );

  const deleteSelection = useCallback(() => {
    const nodeIds = new Set(nodesRef.current.filter((n) => n.selected).map((n) => n.id));
    const edgeIds = new Set(edgesRef.current.filter((e) => e.selected).map((e) => e.id));
    if (nodeIds.size === 0 && edgeIds.size === 0) return;
    applyGraph(removeElements(currentGraph(), nodeIds, edgeIds));
  }, [applyGraph, currentGraph]);

  const deleteNode = useCallback(
    (nodeId: string) => applyGraph(removeElements(currentGraph(), new Set([nodeId]), new Set())),
    [applyGraph, currentGraph],
  );

  const deleteEdge = useCallback(
    (edgeId: string) => applyGraph(removeElements(currentGraph(), new Set(), new Set([edgeId]))),
    [applyGraph, currentGraph],
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

  const autoLayout = useCallback(async () => {
    // dagre loads on first use: most sessions never lay out.
    const { layoutPositions } = await import('./layout');
    const graph = currentGraph();
    const sizes = new Map(nodesRef.current.map((n) => [n.id, n.measured]));
    const positions = layoutPositions(
      // A loop's body moves with its loop (positions relative to it): only the top level is laid out.
      graph.nodes
        .filter((n) => n.parentId === undefined)
        .map((n) => ({ id: n.id, width: sizes.get(n.id)?.width, height: sizes.get(n.id)?.height })),
      graph.edges,
    );
    applyGraph(
      { nodes: graph.nodes.map((n) => ({ ...n, position: positions.get(n.id) ?? n.position })), edges: graph.edges },
      { positionsOnly: true },
    );
    requestAnimationFrame(() => void flow.fitView({ padding: 0.15, duration: 250 }));
  }, [applyGraph, currentGraph, flow]);

  // ── autosave ────────────────────────────────────────────────────────────────────────────────
  const updateDraft = useMutation(trpc.scenarios.updateDraft.mutationOptions());
  const saving = useRef(false);
  const saveNow = useCallback(async () => {
    const state = saveRef.current;
    if (saving.current || state.status === 'saving' || state.status === 'conflict' || !hasUnsavedChanges(state)) return;
    saving.current = true;
    dispatch({ type: 'saveStarted' });
    const graph = currentGraph();
    try {
      const saved = await updateDraft.mutateAsync({
        id: scenario.id,
        revision: state.revision,
        name: nameRef.current.trim() || scenario.name,
        draft: { nodes: [...graph.nodes], edges: [...graph.edges], viewport: flow.getViewport() },
      });
      dispatch({ type: 'saveSucceeded', revision: saved.revision });
      queryClient.setQueryData(trpc.scenarios.get.queryKey({ id: scenario.id }), saved);
      void queryClient.invalidateQueries({ queryKey: trpc.scenarios.list.queryKey() });
    } catch (error) {
      if (isConflict(error)) {
        dispatch({ type: 'saveConflicted', currentRevision: conflictRevision(error) });
      } else {
        const info = describeError(error);
        dispatch({
          type: 'saveFailed',
          message: info.message,
          at: Date.now(),
          retryable: info.code === null || info.code === 'SERVICE_UNAVAILABLE' || info.code === 'INTERNAL_SERVER_ERROR',
        });
      }
    } finally {
      saving.current = false;
    }
  }, [currentGraph, flow, queryClient, scenario.id, scenario.name, trpc, updateDraft]);

  useEffect(() => {
    const delay = saveDelay(save, Date.now());
    if (delay === null) return;
    const timer = setTimeout(() => void saveNow(), delay);
    return () => clearTimeout(timer);
  }, [save, saveNow]);

  // Leaving the page with unsaved changes: the browser asks; leaving the editor within the app saves them.
  useEffect(() => {
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      if (hasUnsavedChanges(saveRef.current)) event.preventDefault();
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => {
      window.removeEventListener('beforeunload', onBeforeUnload);
      const state = saveRef.current;
      if (hasUnsavedChanges(state) && state.status !== 'conflict' && !saving.current) {
        const graph = fromFlow(nodesRef.current, edgesRef.current);
        void client.scenarios.updateDraft
          .mutate({
            id: scenario.id,
            revision: state.revision,
            name: nameRef.current.trim() || scenario.name,
            draft: { nodes: [...graph.nodes], edges: [...graph.edges], viewport: null },
          })
          .then(() => queryClient.invalidateQueries({ queryKey: trpc.scenarios.pathKey() }))
          .catch(() => undefined);
      }
    };
  }, [client, queryClient, scenario.id, scenario.name, trpc]);

  const reloadTheirs = useCallback(async () => {
    const fresh = await queryClient.fetchQuery({ ...trpc.scenarios.get.queryOptions({ id: scenario.id }), staleTime: 0 });
    showFlow(toFlow(graphOf(fresh.draft), { nodes: nodesRef.current, edges: edgesRef.current }));
    historyRef.current = reset(graphOf(fresh.draft));
    nameRef.current = fresh.name;
    setName(fresh.name);
    setHistoryVersion((v) => v + 1);
    setSpecVersion((v) => v + 1);
    dispatch({ type: 'reloaded', revision: fresh.revision });
    toast(`Loaded revision ${fresh.revision} from the server`, 'ok');
  }, [queryClient, scenario.id, showFlow, toast, trpc]);

  const keepMine = useCallback(async () => {
    const fresh = await queryClient.fetchQuery({ ...trpc.scenarios.get.queryOptions({ id: scenario.id }), staleTime: 0 });
    dispatch({ type: 'keepMine', revision: fresh.revision });
  }, [queryClient, scenario.id, trpc]);

  // ── validation (debounced; positions do not matter to it) ───────────────────────────────────
  const [problems, setProblems] = useState<readonly GraphProblem[]>(() => validateGraph(graphOf(scenario.draft), registryLookup));
  useEffect(() => {
    if (specVersion === 0) return;
    const timer = setTimeout(() => setProblems(validateGraph(currentGraph(), registryLookup)), VALIDATE_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [specVersion, currentGraph]);
  const callProblems = useCallTargetProblems(scenario, currentGraph, specVersion);
  const connectionFacts = useMemo(() => new Map(connections.map((c) => [c.id, { name: c.name, oauth2: c.oauth2 !== null }])), [connections]);
  // An OAuth2 request needs an OAuth2 connection: judged with the connections listed here.
  // biome-ignore lint/correctness/useExhaustiveDependencies: specVersion marks graph edits (the graph lives in refs)
  const oauth2Problems = useMemo(() => oauth2ConnectionProblems(currentGraph(), connectionFacts), [specVersion, currentGraph, connectionFacts]);
  const allProblems = useMemo(() => [...problems, ...callProblems, ...oauth2Problems], [problems, callProblems, oauth2Problems]);
  const problemIndex = useMemo(() => indexProblems(allProblems), [allProblems]);

  // The graph as of the last edit of anything but positions: what validation, decorations and panels read.
  // biome-ignore lint/correctness/useExhaustiveDependencies: specVersion marks graph edits (the graph lives in refs)
  const graph = useMemo(() => currentGraph(), [specVersion, currentGraph]);

  // ── decorations: problems and dry-run results on the canvas ─────────────────────────────────
  useEffect(() => {
    const nodeDecorations = new Map<string, NodeDecoration>();
    const results = new Map((dryRun?.result.nodes ?? []).map((n) => [n.nodeId, n]));
    const skipped = new Set(dryRun?.result.skipped ?? []);
    for (const node of graph.nodes) {
      const nodeProblems = problemIndex.byNode.get(node.id) ?? [];
      const result = results.get(node.id);
      const status = result?.status ?? (skipped.has(node.id) ? 'skipped' : undefined);
      if (nodeProblems.length === 0 && !status) continue;
      const missing = missingOutputs(nodeProblems, graph.edges);
      nodeDecorations.set(node.id, {
        problems: nodeProblems.map(shortMessage),
        ...(missing.length > 0 ? { missingOutputs: missing } : {}),
        ...(status ? { status } : {}),
        ...(result
          ? { attempts: result.attempts, durationMs: result.durationMs, pinned: result.pinned, handled: result.handled }
          : {}),
      });
    }
    stores.nodes.replace(nodeDecorations);
    const edgeDecorations = new Map<string, EdgeDecoration>();
    for (const edge of graph.edges) {
      const edgeProblems = problemIndex.byEdge.get(edge.id);
      const source = results.get(edge.source);
      const state =
        dryRun && source
          ? stepFiredHandle(source, edge.sourceHandle)
            ? 'active'
            : 'idle'
          : undefined;
      if (!edgeProblems && !state) continue;
      edgeDecorations.set(edge.id, {
        ...(edgeProblems?.[0] ? { problem: shortMessage(edgeProblems[0]) } : {}),
        ...(state ? { state } : {}),
      });
    }
    stores.edges.replace(edgeDecorations);
  }, [graph, problemIndex, dryRun, stores]);

  // ── keyboard ────────────────────────────────────────────────────────────────────────────────
  const run = useCallback(
    (command: EditorCommand) => {
      switch (command) {
        case 'undo':
        case 'redo':
          travel(command);
          break;
        case 'delete':
          deleteSelection();
          break;
        case 'duplicate': {
          const ids = new Set(nodesRef.current.filter((n) => n.selected).map((n) => n.id));
          if (ids.size === 0) break;
          const { graph, newIds } = duplicateNodes(currentGraph(), ids);
          applyGraph(graph);
          select(newIds);
          break;
        }
        case 'selectAll':
          select(nodesRef.current.map((n) => n.id));
          break;
        case 'deselect':
          select([]);
          break;
        case 'save':
          void saveNow();
          break;
        case 'fitView':
          void flow.fitView({ padding: 0.15, duration: 250 });
          break;
        case 'layout':
          void autoLayout();
          break;
        case 'dryRun':
          setBottomOpen(true);
          setDryRunRequest((n) => n + 1);
          break;
        case 'help':
          setDialog('help');
          break;
      }
    },
    [applyGraph, autoLayout, currentGraph, deleteSelection, flow, saveNow, select, travel],
  );

  useEffect(() => {
    if (dialog) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented) return;
      const command = commandFor({
        key: event.key,
        ctrlKey: event.ctrlKey,
        metaKey: event.metaKey,
        shiftKey: event.shiftKey,
        altKey: event.altKey,
        inTextField: isTextField(event.target),
      });
      if (!command) return;
      event.preventDefault();
      run(command);
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [dialog, run]);

  // ── enable / disable ────────────────────────────────────────────────────────────────────────
  const setEnabledMutation = useMutation(trpc.scenarios.setEnabled.mutationOptions());
  const toggleEnabled = async (value: boolean) => {
    try {
      const updated = await setEnabledMutation.mutateAsync({ id: scenario.id, enabled: value });
      setEnabled(updated.enabled);
      void queryClient.invalidateQueries({ queryKey: trpc.scenarios.list.queryKey() });
      toast(
        updated.enabled
          ? publishedVersion > 0
            ? `Enabled: webhooks now start version ${publishedVersion}`
            : 'Enabled: it runs once a version is published'
          : 'Disabled: webhooks no longer start it',
        'ok',
      );
    } catch (error) {
      toast(describeError(error).message, 'bad');
    }
  };

  // ── derived view state ──────────────────────────────────────────────────────────────────────
  const panelNodeId = selection.nodes.length === 1 ? (selection.nodes[0] ?? null) : null;
  const panelEdgeId = selection.nodes.length === 0 && selection.edges.length === 1 ? (selection.edges[0] ?? null) : null;
  // The panel reads the spec from the graph (not from React Flow's object: it changes while dragging).
  // biome-ignore lint/correctness/useExhaustiveDependencies: specVersion/historyVersion mark graph edits
  const panelSpec = useMemo(
    () => (panelNodeId ? (nodesRef.current.find((n) => n.id === panelNodeId)?.data.spec ?? null) : null),
    [panelNodeId, specVersion, historyVersion],
  );
  const dryRunStale = dryRun !== null && dryRun.specVersion !== specVersion;
  // Fit the view once when opening a graph without a saved viewport; an empty canvas stays put
  // (fitting on the first node added would move the canvas under the person's next drop).
  const [initialView] = useState(() => ({
    fit: !scenario.draft.viewport && scenario.draft.nodes.length > 0,
    viewport: scenario.draft.viewport ?? { x: 0, y: 0, zoom: 1 },
  }));
  void historyVersion;

  return (
    <CanvasContext.Provider value={canvasContext}>
      <div className="editor" data-save-status={save.status}>
        <div className="editor-toolbar">
          <Link route={{ name: 'scenarios', query: '' }} className="back-link">
            ← Scenarios
          </Link>
          <input
            className="scenario-name"
            aria-label="Scenario name"
            value={name}
            onChange={(event) => {
              setName(event.target.value);
              nameRef.current = event.target.value;
              if (event.target.value.trim() !== '') dispatch({ type: 'edited', at: Date.now() });
            }}
          />
          <span className={`save-status save-${save.status}`} role="status" data-testid="save-status">
            {describeSave(save)}
          </span>
          <div className="toolbar-group">
            <Button small variant="ghost" onClick={() => travel('undo')} disabled={!canUndo(historyRef.current)} title="Undo (Ctrl/⌘ Z)">
              Undo
            </Button>
            <Button small variant="ghost" onClick={() => travel('redo')} disabled={!canRedo(historyRef.current)} title="Redo (Ctrl/⌘ Shift Z)">
              Redo
            </Button>
            <Button small variant="ghost" onClick={() => void autoLayout()} title="Auto-layout (Shift L)">
              Layout
            </Button>
            <Button small variant="ghost" onClick={() => void flow.fitView({ padding: 0.15, duration: 250 })} title="Fit view (F)">
              Fit
            </Button>
            <Button small variant="ghost" onClick={() => setDialog('help')} title="Keyboard shortcuts (?)">
              ?
            </Button>
          </div>
          <div className="toolbar-group toolbar-end">
            <label className="switch" title={enabled ? 'Webhooks start this scenario' : 'Webhooks do not start this scenario'}>
              <input
                type="checkbox"
                checked={enabled}
                disabled={setEnabledMutation.isPending}
                onChange={(event) => void toggleEnabled(event.target.checked)}
              />
              <span>{enabled ? 'Enabled' : 'Disabled'}</span>
            </label>
            {publishedVersion > 0 ? <Badge tone="ok">v{publishedVersion} live</Badge> : <Badge>not published</Badge>}
            <Button small onClick={() => setDialog('versions')}>
              History
            </Button>
            <Button small onClick={() => setBottomOpen((open) => !open)} aria-pressed={bottomOpen}>
              Dry-run
            </Button>
            <Link route={{ name: 'runs', filters: { scenarioId: scenario.id } }} className="btn btn-secondary btn-sm">
              Runs
            </Link>
            <Button small variant="primary" onClick={() => setDialog('publish')}>
              Publish
            </Button>
          </div>
        </div>
        {save.status === 'conflict' ? (
          <div className="banner banner-bad" role="alert">
            <span>
              Someone else saved this scenario
              {save.conflictRevision !== null ? ` (now revision ${save.conflictRevision})` : ''} while you were editing. Your
              changes are not saved yet.
            </span>
            <Button small onClick={() => void reloadTheirs()}>
              Load their version
            </Button>
            <Button small variant="primary" onClick={() => void keepMine()}>
              Keep mine (overwrite)
            </Button>
          </div>
        ) : null}
        <div className="editor-body">
          <Palette catalog={catalog} onAdd={(type) => addNode(type)} />
          <div className="editor-center">
            <EditorCanvas
              store={flowStore}
              canvasRef={canvasRef}
              catalog={catalogMap}
              initialView={initialView}
              onNodesChange={onNodesChange}
              onEdgesChange={onEdgesChange}
              onConnect={onConnect}
              isValidConnection={isValidConnection}
              onSelectionChange={onSelectionChange}
              onDragOver={onDragOver}
              onDrop={onDrop}
            />
            {bottomOpen ? (
              <DryRunPanel
                scenarioId={scenario.id}
                graph={graph}
                currentGraph={currentGraph}
                result={dryRun?.result ?? null}
                stale={dryRunStale}
                runRequest={dryRunRequest}
                onResult={(result) => setDryRun(result ? { result, specVersion } : null)}
                onSelectNode={(nodeId) => select([nodeId])}
                onClose={() => setBottomOpen(false)}
              />
            ) : null}
          </div>
          <aside className="side-panel" aria-label="Details">
            {panelNodeId && panelSpec ? (
              <NodePanel
                key={panelNodeId}
                scenarioId={scenario.id}
                spec={panelSpec}
                graph={graph}
                catalog={catalogMap}
                apps={apps}
                connections={connections}
                problems={problemIndex.byNode.get(panelNodeId) ?? []}
                dryRun={dryRun?.result.nodes.find((n) => n.nodeId === panelNodeId) ?? null}
                dryRunSkipped={dryRun?.result.skipped.includes(panelNodeId) ?? false}
                dryRunStale={dryRunStale}
                onChange={(spec, key) => updateSpec(panelNodeId, spec, key)}
                onDelete={() => deleteNode(panelNodeId)}
              />
            ) : (
              <OverviewPanel
                scenario={scenario}
                problems={problemIndex}
                selectedCount={selection.nodes.length}
                edgeId={panelEdgeId}
                graph={graph}
                onDeleteEdge={deleteEdge}
                onSelectNode={(nodeId) => {
                  select([nodeId]);
                  const node = nodesRef.current.find((n) => n.id === nodeId);
                  if (node) void flow.setCenter(node.position.x + 110, node.position.y + 40, { duration: 250, zoom: flow.getZoom() });
                }}
              />
            )}
          </aside>
        </div>
        {dialog === 'publish' ? (
          <PublishDialog
            scenarioId={scenario.id}
            save={save}
            saveNow={saveNow}
            problems={allProblems}
            enabled={enabled}
            onClose={() => setDialog(null)}
            onPublished={(version, nowEnabled) => {
              setPublishedVersion(version);
              setEnabled(nowEnabled);
              setDialog(null);
            }}
          />
        ) : null}
        {dialog === 'versions' ? (
          <VersionsDialog
            scenarioId={scenario.id}
            onClose={() => setDialog(null)}
            onRestore={(graph, version) => {
              applyGraph(graph);
              setDialog(null);
              toast(`Version ${version} is now the draft (undo brings your draft back)`, 'ok');
            }}
          />
        ) : null}
        {dialog === 'help' ? <HelpDialog onClose={() => setDialog(null)} /> : null}
      </div>
    </CanvasContext.Provider>
  );
}

interface FlowState {
  readonly nodes: FlowNode[];
  readonly edges: FlowEdge[];
}

interface EditorCanvasProps {
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

/** The React Flow canvas: the only part of the editor that re-renders while a node is dragged. */
const EditorCanvas = memo(function EditorCanvas({
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
