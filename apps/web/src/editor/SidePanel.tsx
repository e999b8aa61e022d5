/** The editor's side panel: the selected node's settings, or the overview (problems, the selected edge, the failure handler). */
import type { App, CatalogEntry, Connection as ConnectionView, DryRunResult, Scenario } from '../api/types';
import { NodePanel, OverviewPanel } from './EditorPanels';
import type { EditableGraph, NodeSpec } from './graph';
import type { ProblemIndex } from './problems';

export interface SidePanelProps {
  readonly scenario: Scenario;
  readonly graph: EditableGraph;
  readonly catalog: ReadonlyMap<string, CatalogEntry>;
  readonly apps: readonly App[];
  readonly connections: readonly ConnectionView[];
  readonly problems: ProblemIndex;
  readonly selection: { readonly nodes: readonly string[]; readonly edges: readonly string[] };
  /** The one selected node and its spec (read from the graph, not from React Flow's object: it changes while dragging). */
  readonly node: { readonly id: string; readonly spec: NodeSpec } | null;
  readonly dryRun: DryRunResult | null;
  readonly dryRunStale: boolean;
  readonly onChange: (nodeId: string, spec: NodeSpec, key: string) => void;
  readonly onDeleteNode: (nodeId: string) => void;
  readonly onDeleteEdge: (edgeId: string) => void;
  readonly onSelectNode: (nodeId: string) => void;
}

export function SidePanel(props: SidePanelProps) {
  const { node, selection, dryRun } = props;
  const edgeId = selection.nodes.length === 0 && selection.edges.length === 1 ? (selection.edges[0] ?? null) : null;
  return (
    <aside className="side-panel" aria-label="Details">
      {node ? (
        <NodePanel
          key={node.id}
          scenarioId={props.scenario.id}
          spec={node.spec}
          graph={props.graph}
          catalog={props.catalog}
          apps={props.apps}
          connections={props.connections}
          problems={props.problems.byNode.get(node.id) ?? []}
          dryRun={dryRun?.nodes.find((n) => n.nodeId === node.id) ?? null}
          dryRunSkipped={dryRun?.skipped.includes(node.id) ?? false}
          dryRunStale={props.dryRunStale}
          onChange={(spec, key) => props.onChange(node.id, spec, key)}
          onDelete={() => props.onDeleteNode(node.id)}
        />
      ) : (
        <OverviewPanel
          scenario={props.scenario}
          problems={props.problems}
          selectedCount={selection.nodes.length}
          edgeId={edgeId}
          graph={props.graph}
          onDeleteEdge={props.onDeleteEdge}
          onSelectNode={props.onSelectNode}
        />
      )}
    </aside>
  );
}
