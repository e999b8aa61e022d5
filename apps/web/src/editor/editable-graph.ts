import type { ScenarioEdge, ScenarioNode } from '@weft/core';

/** The graph the editor edits, saves and snapshots for undo. */
export interface EditableGraph {
  readonly nodes: readonly ScenarioNode[];
  readonly edges: readonly ScenarioEdge[];
}

/** The size a node is laid out with before React Flow has measured it (the card is 220 px wide). */
export const DEFAULT_NODE_SIZE = { width: 220, height: 72 };
