/**
 * The scenario editor: the graph (`use-editor-graph.ts`) on the canvas (`EditorCanvas.tsx`), the
 * side panel, the toolbar and its dialogs; persistence (`use-draft-persistence.ts`), problems
 * and the keyboard have modules of their own. Here: adding, connecting and removing nodes.
 */
import { type Connection, type OnSelectionChangeFunc, useReactFlow } from '@xyflow/react';
import { useCallback, useMemo, useReducer, useRef, useState } from 'react';
import type { App, CatalogEntry, Connection as ConnectionView, DryRunResult, Scenario } from '../api/types';
import { useToast } from '../components/ui';
import { StartRunDialog } from '../runs/StartRunDialog';
import { autosaveReducer, initialAutosave } from './autosave';
import { CanvasContext, createCanvasStores } from './canvas-context';
import { DryRunPanel } from './DryRunPanel';
import { EditorCanvas } from './EditorCanvas';
import { HelpDialog, PublishDialog, VersionsDialog } from './EditorDialogs';
import { ConflictBanner, type EditorDialog, EditorToolbar } from './EditorToolbar';
import type { EditableGraph, FlowEdge, FlowNode, NodeSpec, TypeLookup } from './graph';
import { addConnection, connectionProblem, removeElements, updateNodeSpec } from './graph-edit';
import { canRedo, canUndo } from './history';
import { Palette } from './Palette';
import { SidePanel } from './SidePanel';
import { useCanvasDecorations } from './use-canvas-decorations';
import { useDraftPersistence } from './use-draft-persistence';
import { graphOf, useEditorGraph } from './use-editor-graph';
import { useEditorKeyboard } from './use-editor-keyboard';
import { useGraphProblems } from './use-graph-problems';
import { useAddNode } from './use-add-node';

export interface EditorProps {
  readonly scenario: Scenario;
  readonly catalog: readonly CatalogEntry[];
  readonly apps: readonly App[];
  readonly connections: readonly ConnectionView[];
}

const FIT = { padding: 0.15, duration: 250 };

export function Editor({ scenario, catalog, apps, connections }: EditorProps) {
  const toast = useToast();
  const flow = useReactFlow<FlowNode, FlowEdge>();
  const canvasRef = useRef<HTMLDivElement>(null);

  const [save, dispatch] = useReducer(autosaveReducer, scenario.revision, initialAutosave);
  const markEdited = useCallback(() => dispatch({ type: 'edited', at: Date.now() }), []);
  const editing = useEditorGraph(scenario.draft, markEdited);
  const { nodesRef, edgesRef, historyRef, historyVersion, specVersion, currentGraph, applyGraph, select, travel } = editing;
  const [name, setName] = useState(scenario.name);
  const nameRef = useRef(scenario.name);
  const [enabled, setEnabled] = useState(scenario.enabled);
  const [publishedVersion, setPublishedVersion] = useState(scenario.version);
  const [selection, setSelection] = useState<{ nodes: string[]; edges: string[] }>({ nodes: [], edges: [] });
  const [dialog, setDialog] = useState<EditorDialog>(null);
  const [bottomOpen, setBottomOpen] = useState(false);
  const [dryRun, setDryRun] = useState<{ result: DryRunResult; specVersion: number } | null>(null);
  const [dryRunRequest, setDryRunRequest] = useState(0);

  const catalogMap = useMemo(() => new Map(catalog.map((entry) => [entry.type as string, entry])), [catalog]);
  const lookup: TypeLookup = useCallback((type) => catalogMap.get(type), [catalogMap]);
  const appNames = useMemo(() => new Map(apps.map((app) => [app.id, app.name])), [apps]);
  const stores = useMemo(() => createCanvasStores(), []);
  const canvasContext = useMemo(
    () => ({ nodes: stores.nodes, edges: stores.edges, catalog: catalogMap, appName: (id: string) => appNames.get(id) }),
    [stores, catalogMap, appNames],
  );

  // ── React Flow callbacks ────────────────────────────────────────────────────────────────────
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

  const { addNode, onDragOver, onDrop } = useAddNode({ catalog: catalogMap, apps, canvasRef, currentGraph, applyGraph, select });

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
  }, [applyGraph, currentGraph, nodesRef, edgesRef]);

  const deleteNode = useCallback(
    (nodeId: string) => applyGraph(removeElements(currentGraph(), new Set([nodeId]), new Set())),
    [applyGraph, currentGraph],
  );

  const deleteEdge = useCallback(
    (edgeId: string) => applyGraph(removeElements(currentGraph(), new Set(), new Set([edgeId]))),
    [applyGraph, currentGraph],
  );

  const fitView = useCallback(() => void flow.fitView(FIT), [flow]);

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
    requestAnimationFrame(fitView);
  }, [applyGraph, currentGraph, fitView, nodesRef]);

  // ── persistence, problems, decorations, keyboard ────────────────────────────────────────────
  const onReloaded = useCallback(
    (theirs: EditableGraph, theirName: string) => {
      editing.replaceGraph(theirs);
      nameRef.current = theirName;
      setName(theirName);
    },
    [editing.replaceGraph],
  );
  const { saveNow, reloadTheirs, keepMine } = useDraftPersistence({ scenario, save, dispatch, currentGraph, nameRef, onReloaded });

  const [initialGraph] = useState(() => graphOf(scenario.draft));
  const { allProblems, problemIndex } = useGraphProblems(scenario, initialGraph, currentGraph, specVersion, connections);

  // The graph as of the last edit of anything but positions: what validation, decorations and panels read.
  // biome-ignore lint/correctness/useExhaustiveDependencies: specVersion marks graph edits (the graph lives in refs)
  const graph = useMemo(() => currentGraph(), [specVersion, currentGraph]);
  useCanvasDecorations(stores, graph, problemIndex, dryRun?.result ?? null);

  const openDryRun = useCallback(() => {
    setBottomOpen(true);
    setDryRunRequest((n) => n + 1);
  }, []);
  const openHelp = useCallback(() => setDialog('help'), []);
  const layoutNow = useCallback(() => void autoLayout(), [autoLayout]);
  const saveSoon = useCallback(() => void saveNow(), [saveNow]);
  const keyboardActions = useMemo(
    () => ({ deleteSelection, save: saveSoon, fitView, layout: layoutNow, dryRun: openDryRun, help: openHelp }),
    [deleteSelection, saveSoon, fitView, layoutNow, openDryRun, openHelp],
  );
  useEditorKeyboard(dialog === null, editing, keyboardActions);

  // ── derived view state ──────────────────────────────────────────────────────────────────────
  const panelNodeId = selection.nodes.length === 1 ? (selection.nodes[0] ?? null) : null;
  // biome-ignore lint/correctness/useExhaustiveDependencies: specVersion/historyVersion mark graph edits
  const panelSpec = useMemo(
    () => (panelNodeId ? (nodesRef.current.find((n) => n.id === panelNodeId)?.data.spec ?? null) : null),
    [panelNodeId, specVersion, historyVersion],
  );
  const dryRunStale = dryRun !== null && dryRun.specVersion !== specVersion;
  const manual = graph.nodes.some((n) => n.type === 'trigger.manual') || scenario.publishedTrigger?.kind === 'manual';
  // Fit the view once when opening a graph without a saved viewport; an empty canvas stays put
  // (fitting on the first node added would move the canvas under the person's next drop).
  const [initialView] = useState(() => ({
    fit: !scenario.draft.viewport && scenario.draft.nodes.length > 0,
    viewport: scenario.draft.viewport ?? { x: 0, y: 0, zoom: 1 },
  }));

  return (
    <CanvasContext.Provider value={canvasContext}>
      <div className="editor" data-save-status={save.status}>
        <EditorToolbar
          scenarioId={scenario.id}
          name={name}
          onName={(value) => {
            setName(value);
            nameRef.current = value;
            if (value.trim() !== '') markEdited();
          }}
          save={save}
          canUndo={canUndo(historyRef.current)}
          canRedo={canRedo(historyRef.current)}
          onTravel={travel}
          onLayout={layoutNow}
          onFit={fitView}
          enabled={enabled}
          onEnabled={setEnabled}
          publishedVersion={publishedVersion}
          manual={manual}
          dryRunOpen={bottomOpen}
          onToggleDryRun={() => setBottomOpen((open) => !open)}
          onDialog={setDialog}
        />
        <ConflictBanner save={save} onReloadTheirs={() => void reloadTheirs()} onKeepMine={() => void keepMine()} />
        <div className="editor-body">
          <Palette catalog={catalog} onAdd={(type) => addNode(type)} />
          <div className="editor-center">
            <EditorCanvas
              store={editing.flowStore}
              canvasRef={canvasRef}
              catalog={catalogMap}
              initialView={initialView}
              onNodesChange={editing.onNodesChange}
              onEdgesChange={editing.onEdgesChange}
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
          <SidePanel
            scenario={scenario}
            graph={graph}
            catalog={catalogMap}
            apps={apps}
            connections={connections}
            problems={problemIndex}
            selection={selection}
            node={panelNodeId && panelSpec ? { id: panelNodeId, spec: panelSpec } : null}
            dryRun={dryRun?.result ?? null}
            dryRunStale={dryRunStale}
            onChange={updateSpec}
            onDeleteNode={deleteNode}
            onDeleteEdge={deleteEdge}
            onSelectNode={(nodeId) => {
              select([nodeId]);
              const node = nodesRef.current.find((n) => n.id === nodeId);
              if (node) void flow.setCenter(node.position.x + 110, node.position.y + 40, { duration: 250, zoom: flow.getZoom() });
            }}
          />
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
            onRestore={(restored, version) => {
              applyGraph(restored);
              setDialog(null);
              toast(`Version ${version} is now the draft (undo brings your draft back)`, 'ok');
            }}
          />
        ) : null}
        {dialog === 'help' ? <HelpDialog onClose={() => setDialog(null)} /> : null}
        {dialog === 'run' ? (
          <StartRunDialog
            scenarioId={scenario.id}
            scenarioName={name.trim() || scenario.name}
            onClose={() => setDialog(null)}
          />
        ) : null}
      </div>
    </CanvasContext.Provider>
  );
}
