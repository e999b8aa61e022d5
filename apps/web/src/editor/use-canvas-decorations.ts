/** Problems and dry-run results drawn on the canvas: per-node and per-edge decorations in the canvas stores. */
import { stepFiredHandle } from '@weft/core';
import { useEffect } from 'react';
import type { DryRunResult } from '../api/types';
import type { createCanvasStores, EdgeDecoration, NodeDecoration } from './canvas-context';
import type { EditableGraph } from './graph';
import { missingOutputs, type ProblemIndex, shortMessage } from './problems';

export function useCanvasDecorations(
  stores: ReturnType<typeof createCanvasStores>,
  graph: EditableGraph,
  problemIndex: ProblemIndex,
  dryRun: DryRunResult | null,
): void {
  useEffect(() => {
    const nodeDecorations = new Map<string, NodeDecoration>();
    const results = new Map((dryRun?.nodes ?? []).map((n) => [n.nodeId, n]));
    const skipped = new Set(dryRun?.skipped ?? []);
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
}
