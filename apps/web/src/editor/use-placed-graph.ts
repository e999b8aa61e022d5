/**
 * A graph to show with its stacked nodes laid out (see `stacked.ts`), for the run view: a
 * version published from a graph without positions keeps them as they are, so the view lays
 * them out as the editor does. Null while dagre (loaded on first use) is on its way.
 */
import { useEffect, useMemo, useState } from 'react';
import type { EditableGraph } from './editable-graph';
import { stackedNodeIds } from './stacked';

export function usePlacedGraph(graph: EditableGraph | undefined): EditableGraph | null {
  const stacked = useMemo(() => graph !== undefined && stackedNodeIds(graph).size > 0, [graph]);
  const [placed, setPlaced] = useState<{ readonly from: EditableGraph; readonly graph: EditableGraph } | null>(null);
  useEffect(() => {
    if (!graph || !stacked) return;
    let current = true;
    void import('./place-stacked').then(({ placeStackedNodes }) => {
      if (current) setPlaced({ from: graph, graph: placeStackedNodes(graph) });
    });
    return () => {
      current = false;
    };
  }, [graph, stacked]);
  if (!graph) return null;
  if (!stacked) return graph;
  return placed?.from === graph ? placed.graph : null;
}
